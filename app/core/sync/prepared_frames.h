#pragma once
// The stored form of a prepared send (OutboxStore's `prepared` column): what an outbox entry was
// encrypted into, read back after a reconnect or restart so a resend repeats the same bytes. A
// free function of bytes so the fuzz target (tests/fuzz/fuzz_outbox_frames.cpp) reaches the
// parser without a SendPreparer and everything it needs.
#include "core/sync/message_crypto.h"

#include <QByteArray>

#include <optional>

namespace tidings::client {

//! u32 count, then count × (u32 length ‖ SendRequest); the message is the last one.
QByteArray encodePreparedSend(const PreparedSend &prepared);
//! std::nullopt unless the bytes are exactly that form with 1 to 64 requests.
std::optional<PreparedSend> decodePreparedSend(const QByteArray &bytes);

} // namespace tidings::client
