using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Alerts.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PartialIncidentIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Events_IncidentId",
                table: "Events");

            migrationBuilder.CreateIndex(
                name: "IX_Events_IncidentId",
                table: "Events",
                column: "IncidentId",
                filter: "\"IncidentId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Events_IncidentId",
                table: "Events");

            migrationBuilder.CreateIndex(
                name: "IX_Events_IncidentId",
                table: "Events",
                column: "IncidentId");
        }
    }
}
