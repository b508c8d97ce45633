using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Alerts.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class UptimeChecks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Kind",
                table: "Monitors",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "UptimeCertificateWarningDays",
                table: "Monitors",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "UptimeFollowRedirects",
                table: "Monitors",
                type: "boolean",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UptimeKeyword",
                table: "Monitors",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "UptimeMethod",
                table: "Monitors",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "UptimeStatusMax",
                table: "Monitors",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "UptimeStatusMin",
                table: "Monitors",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "UptimeTimeoutSeconds",
                table: "Monitors",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UptimeUrl",
                table: "Monitors",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Kind",
                table: "Monitors");

            migrationBuilder.DropColumn(
                name: "UptimeCertificateWarningDays",
                table: "Monitors");

            migrationBuilder.DropColumn(
                name: "UptimeFollowRedirects",
                table: "Monitors");

            migrationBuilder.DropColumn(
                name: "UptimeKeyword",
                table: "Monitors");

            migrationBuilder.DropColumn(
                name: "UptimeMethod",
                table: "Monitors");

            migrationBuilder.DropColumn(
                name: "UptimeStatusMax",
                table: "Monitors");

            migrationBuilder.DropColumn(
                name: "UptimeStatusMin",
                table: "Monitors");

            migrationBuilder.DropColumn(
                name: "UptimeTimeoutSeconds",
                table: "Monitors");

            migrationBuilder.DropColumn(
                name: "UptimeUrl",
                table: "Monitors");
        }
    }
}
