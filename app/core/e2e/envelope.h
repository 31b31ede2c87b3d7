#pragma once
// The engine's own wire formats: the kind byte in front of a pairwise envelope, and E2eBody
// (de)serialized through guarded memory because a body may carry a sender key. Parsers of
// untrusted input: tests/unit/e2e/fuzz_e2e_inputs.cpp feeds them.
#include "crypto/secret_bytes.h"
#include "proto/tidings.pb.h"
#include "protocol/result.h"

#include <QByteArray>

#include <cstdint>

namespace tidings::client::e2e {

//! First byte of Envelope.payload: what follows (the crypto formats both start with 01).
enum class EnvelopeKind : std::uint8_t { PreKey = 1, Ratchet = 2 };
struct ParsedEnvelope {
    EnvelopeKind kind = EnvelopeKind::Ratchet;
    QByteArray inner;
};
//! u8 kind ‖ PreKeyMessage or ratchet message.
Result<ParsedEnvelope> parseEnvelope(const QByteArray &payload);
QByteArray makeEnvelope(EnvelopeKind kind, const QByteArray &inner);

//! Serializes straight into guarded memory.
Result<crypto::SecretBytes> serializeBody(const wire::E2eBody &body);
Result<wire::E2eBody> parseBody(const crypto::SecretBytes &plaintext);

} // namespace tidings::client::e2e
