#include "core/e2e/envelope.h"

#include "crypto/crypto_error.h"

namespace tidings::client::e2e {

using namespace tidings::crypto;

Result<ParsedEnvelope> parseEnvelope(const QByteArray &payload) {
    if (payload.size() < 2)
        return makeError(CryptoError::Malformed, QStringLiteral("envelope too short"));
    const auto kind = std::uint8_t(payload.at(0));
    if (kind != std::uint8_t(EnvelopeKind::PreKey) && kind != std::uint8_t(EnvelopeKind::Ratchet))
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("envelope kind"));
    return ParsedEnvelope{EnvelopeKind(kind), payload.mid(1)};
}

QByteArray makeEnvelope(EnvelopeKind kind, const QByteArray &inner) {
    QByteArray payload;
    payload.reserve(inner.size() + 1);
    payload.append(char(kind));
    payload.append(inner);
    return payload;
}

Result<SecretBytes> serializeBody(const wire::E2eBody &body) {
    const size_t n = body.ByteSizeLong();
    SecretBytes out(n == 0 ? 1 : n);
    if (!out.valid() || !body.SerializeToArray(out.data(), int(n)))
        return makeError(CryptoError::Internal, QStringLiteral("serialize body"));
    if (n == 0)
        out.resize(0);
    return out;
}

Result<wire::E2eBody> parseBody(const SecretBytes &plaintext) {
    wire::E2eBody body;
    if (!body.ParseFromArray(plaintext.data(), int(plaintext.size())))
        return makeError(CryptoError::Malformed, QStringLiteral("E2eBody does not parse"));
    return body;
}

} // namespace tidings::client::e2e
