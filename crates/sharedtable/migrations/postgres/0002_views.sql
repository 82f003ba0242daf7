-- Indexes for the read side (network pages, health check, impact report). At national scale
-- (2,000 partnerships, 100,000 organizations, 1,000,000 observations) every page query below
-- uses one of these or an index of 0001_core.sql; see store/views.rs.

-- Organization list: filter by kind or state, ordered by name ignoring case.
CREATE INDEX organizations_name_nocase ON organizations (name COLLATE nocase);
CREATE INDEX organizations_kind_name ON organizations (kind, name COLLATE nocase);
CREATE INDEX organizations_state_name ON organizations (state, name COLLATE nocase);

-- A partnership's members by role (conveners, champions of each meeting in the health check).
CREATE INDEX memberships_partnership_role ON memberships (partnership_id, role, organization_id);

-- Latest wins across the network.
CREATE INDEX wins_achieved ON wins (achieved DESC, created_at DESC);

-- Attendance by organization (an organization's page; deleting an organization).
CREATE INDEX meeting_attendance_org ON meeting_attendance (organization_id);

-- Action team members by organization (an organization's page).
CREATE INDEX action_team_members_org ON action_team_members (organization_id);

-- Action teams of one partnership (the action plan tree, health check facts).
CREATE INDEX action_teams_partnership ON action_teams (partnership_id);
