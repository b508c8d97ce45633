using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Alerts.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class BoundedEventStorage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "EventIds",
                columns: table => new
                {
                    Id = table.Column<byte[]>(type: "bytea", maxLength: 16, nullable: false),
                    SeenAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EventIds", x => x.Id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "EventIds");
        }
    }
}
