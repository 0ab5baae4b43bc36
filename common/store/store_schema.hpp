// The schema of the store and its forward migrations (PRAGMA user_version).
#pragma once

#include "sqlite_db.hpp"

namespace sweep::store_schema {

// The number of migration steps: the version a migrated database has.
int latest_version();
// Applies every step above the file's user_version, each in its own transaction.
// kUnsupportedVersion when the file is newer than this build.
Status migrate(sqlite::Db& db);

}  // namespace sweep::store_schema
