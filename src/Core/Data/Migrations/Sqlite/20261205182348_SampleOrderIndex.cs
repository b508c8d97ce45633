using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Alerts.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SampleOrderIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Events_IncidentId",
                table: "Events");

            migrationBuilder.CreateIndex(
                name: "IX_Events_Samples",
                table: "Events",
                columns: new[] { "IncidentId", "ReceivedAt", "Id" },
                filter: "\"IncidentId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Events_Samples",
                table: "Events");

            migrationBuilder.CreateIndex(
                name: "IX_Events_IncidentId",
                table: "Events",
                column: "IncidentId",
                filter: "\"IncidentId\" IS NOT NULL");
        }
    }
}
