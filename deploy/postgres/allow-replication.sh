#!/bin/sh
# Run by the postgres image on the first start of the database: the optional replica service
# (docker-compose.yml, profile "replica") connects for replication with the database's password.
set -e
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
