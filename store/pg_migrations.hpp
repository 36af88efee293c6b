#pragma once
// The PostgreSQL schema as its own ordered list of steps (schema_version table, see migrations.hpp
// for how steps are applied).
#include "store/migrations.hpp"

namespace llmgw::store {

// Every PostgreSQL step this binary knows, in order. Version 1 is SQLite's version 7.
std::span<const Migration> pg_migrations();

} // namespace llmgw::store
