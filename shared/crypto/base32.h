#pragma once
// RFC 4648 base32 (alphabet A–Z 2–7, no padding), for codes people read and type: device link
// codes and recovery keys. Decoding ignores case; anything outside the alphabet fails.
#include "crypto/secret_bytes.h"

#include <QString>

#include <optional>

namespace tidings::crypto {

QString base32Encode(const SecretBytes &bytes);
//! Exactly `size` bytes or nothing (other characters, too short or too long).
std::optional<SecretBytes> base32Decode(const QString &text, std::size_t size);

} // namespace tidings::crypto
