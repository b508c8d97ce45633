using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Alerts.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TypedNotificationReason : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Cause",
                table: "Notifications",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "Hold",
                table: "Notifications",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // Rows written before the typed columns get theirs from their text; the text stays as their display.
            migrationBuilder.Sql(NotificationReasonBackfill.Sql);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Cause",
                table: "Notifications");

            migrationBuilder.DropColumn(
                name: "Hold",
                table: "Notifications");
        }
    }
}
