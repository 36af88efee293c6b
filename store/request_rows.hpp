#pragma once
// Mapping between core::RequestRecord and the columns of the `requests` table.
#include "core/accounting/request_record.hpp"
#include "store/db.hpp"

#include <string_view>

namespace llmgw::store {

// INSERT of one request row with every column bound (parameters 1..27, id left to SQLite).
extern const std::string_view k_insert_request_sql;
// The record columns in the order read_request() expects, for SELECT lists ("id" excluded).
extern const std::string_view k_request_columns;

// Bind every field of a record to a statement prepared from k_insert_request_sql.
void bind_request(Statement& insert, const core::RequestRecord& record);

// Read a record from the current row, whose columns from `first_column` on are k_request_columns.
core::RequestRecord read_request(const Statement& row, int first_column);

} // namespace llmgw::store
