using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Alerts.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DashboardCountersAndSharedKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Incidents_LastSeen",
                table: "Incidents");

            migrationBuilder.AddColumn<int>(
                name: "FailedLoginCount",
                table: "Users",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTime>(
                name: "LockoutEnd",
                table: "Users",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Admins",
                table: "Projects",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Managers",
                table: "Projects",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FriendlyName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Xml = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "IncidentHourlyCounts",
                columns: table => new
                {
                    IncidentId = table.Column<long>(type: "bigint", nullable: false),
                    Hour = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IncidentHourlyCounts", x => new { x.IncidentId, x.Hour });
                    table.ForeignKey(
                        name: "FK_IncidentHourlyCounts_Incidents_IncidentId",
                        column: x => x.IncidentId,
                        principalTable: "Incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_Count_Id",
                table: "Incidents",
                columns: new[] { "Count", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_LastSeen_Id",
                table: "Incidents",
                columns: new[] { "LastSeen", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_ProjectId_LastSeen",
                table: "Incidents",
                columns: new[] { "ProjectId", "LastSeen" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DataProtectionKeys");

            migrationBuilder.DropTable(
                name: "IncidentHourlyCounts");

            migrationBuilder.DropIndex(
                name: "IX_Incidents_Count_Id",
                table: "Incidents");

            migrationBuilder.DropIndex(
                name: "IX_Incidents_LastSeen_Id",
                table: "Incidents");

            migrationBuilder.DropIndex(
                name: "IX_Incidents_ProjectId_LastSeen",
                table: "Incidents");

            migrationBuilder.DropColumn(
                name: "FailedLoginCount",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "LockoutEnd",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "Admins",
                table: "Projects");

            migrationBuilder.DropColumn(
                name: "Managers",
                table: "Projects");

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_LastSeen",
                table: "Incidents",
                column: "LastSeen");
        }
    }
}
