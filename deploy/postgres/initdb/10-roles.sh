#!/bin/sh
# The database's two roles, made by the postgres image's first start (it runs the files in
# /docker-entrypoint-initdb.d as the superuser, with POSTGRES_DB created):
#
#   DB_OWNER (backpain)       owns the database and its schema, and runs the migrations and the seed;
#   DB_APP_USER (backpain_app) the replicas' login: reads and writes rows of every table, present and
#                              future, and changes no schema (no CREATE, no DROP, ALTER or TRUNCATE).
#
# Neither is a superuser. Safe to run again, by hand, on an existing cluster:
#   docker compose exec -T postgres sh < deploy/postgres/initdb/10-roles.sh
#
# No `set -e`: the image sources a script it cannot execute, and the options would stay set for the
# rest of its entrypoint. psql stops at the first error and its exit status is the script's.

: "${POSTGRES_DB:?}" "${DB_OWNER_PASSWORD:?set DB_OWNER_PASSWORD}" "${DB_APP_PASSWORD:?set DB_APP_PASSWORD}"

psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "$POSTGRES_DB" \
    -v database="$POSTGRES_DB" -v owner="${DB_OWNER:-backpain}" -v app="${DB_APP_USER:-backpain_app}" <<'SQL'
-- Passwords come from the environment, so they never appear on a command line.
\getenv owner_password DB_OWNER_PASSWORD
\getenv app_password DB_APP_PASSWORD

SELECT format('CREATE ROLE %I', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
ALTER ROLE :"app" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';

-- The owner owns the database and the schema the migrations create tables in.
ALTER DATABASE :"database" OWNER TO :"owner";
ALTER SCHEMA public OWNER TO :"owner";

-- Nobody else connects, creates or uses the schema unless granted here.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app";
GRANT USAGE ON SCHEMA public TO :"app";

-- Rows of the tables there now, and of those the owner's migrations create later.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app";
SQL
