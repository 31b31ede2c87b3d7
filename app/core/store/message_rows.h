#pragma once
// How a message row is selected and read, for every query that returns MessageRecords (the
// message store, the chat list and search read the same columns).
#include "core/store/records.h"
#include "protocol/result.h"

class QSqlQuery;

namespace tidings::client::detail {

class StoreCipher;

//! The columns of a message row, for a query over `messages` aliased `m`.
extern const char *const kMessageColumns;
//! How many columns kMessageColumns has (the first column after them).
int messageColumnCount();
//! Reads a row selected with kMessageColumns, opening its sealed body.
Result<MessageRecord> readMessage(const QSqlQuery &q, const StoreCipher &cipher);

} // namespace tidings::client::detail
