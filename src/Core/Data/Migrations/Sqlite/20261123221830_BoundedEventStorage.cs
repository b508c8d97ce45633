using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Alerts.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BoundedEventStorage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // WITHOUT ROWID: the 16-byte id is the b-tree key itself, with no rowid and no second index beside it.
            migrationBuilder.Sql("""
                CREATE TABLE "EventIds" (
                    "Id" BLOB NOT NULL CONSTRAINT "PK_EventIds" PRIMARY KEY,
                    "SeenAt" INTEGER NOT NULL
                ) WITHOUT ROWID;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "EventIds");
        }
    }
}
