// pouchdb-server loads sqlite3 only for `--sqlite`, which scripts/couchdb.sh never passes.
throw new Error('sqlite3 is not installed: DSDB replaces it (package.json "overrides") so that npm ci downloads and compiles nothing; run pouchdb-server without --sqlite');
