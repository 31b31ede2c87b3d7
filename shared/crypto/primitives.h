#pragma once
// The primitives every Tidings protocol is built from, each a thin checked wrapper over one
// reviewed libsodium 1.0.18 call: HKDF-SHA256 (RFC 5869, on crypto_auth_hmacsha256 since 1.0.18
// has no crypto_kdf_hkdf), X25519 with the low-order check, Ed25519, XChaCha20-Poly1305-IETF
// with random 24-byte nonces, SHA-256/512. Every libsodium return value is checked.
#include "crypto/crypto_error.h"
#include "crypto/secret_bytes.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>

namespace tidings::crypto {

constexpr std::size_t kKeySize = 32;       //!< X25519/Ed25519 public keys, symmetric keys
constexpr std::size_t kSignatureSize = 64; //!< Ed25519
constexpr std::size_t kSignSecretSize = 64;
constexpr std::size_t kNonceSize = 24; //!< XChaCha20-Poly1305-IETF
constexpr std::size_t kTagSize = 16;

//! Non-owning view of bytes, secret or public; converts from QByteArray and SecretBytes.
struct BytesView {
    const std::uint8_t *data = nullptr;
    std::size_t size = 0;
    BytesView() = default;
    BytesView(const void *d, std::size_t n)
        : data(static_cast<const std::uint8_t *>(d))
        , size(n) {}
    BytesView(const QByteArray &b)
        : data(reinterpret_cast<const std::uint8_t *>(b.constData()))
        , size(std::size_t(b.size())) {}
    BytesView(const SecretBytes &s)
        : data(s.data())
        , size(s.size()) {}
};

// --- HKDF-SHA256 ---------------------------------------------------------------------------
SecretBytes hmacSha256(BytesView key, BytesView message);
//! PRK = HMAC(salt, ikm); an empty salt means 32 zero bytes (RFC 5869 §2.2).
SecretBytes hkdfExtract(BytesView salt, BytesView ikm);
//! OKM of length <= 255*32; empty on invalid length.
SecretBytes hkdfExpand(BytesView prk, BytesView info, std::size_t length);
SecretBytes hkdf(BytesView salt, BytesView ikm, BytesView info, std::size_t length);

// --- X25519 --------------------------------------------------------------------------------
struct X25519KeyPair {
    QByteArray publicKey; //!< 32 bytes
    SecretBytes secretKey;
    static X25519KeyPair generate();
    //! Derives the public key from a 32-byte secret (test vectors, deserialization).
    static Result<X25519KeyPair> fromSecret(SecretBytes secret);
    X25519KeyPair clone() const { return {publicKey, secretKey.clone()}; }
};
//! A received X25519 public key must be canonical: top bit clear and u < 2^255 - 19. X25519
//! ignores the top bit, so without this check two encodings give the same DH and a replayed
//! first message with one bit flipped in EK would slip past a replay cache keyed on EK.
bool isCanonicalX25519Public(const QByteArray &publicKey);
//! DH(secret, public). Rejects a wrong length and a low-order public key (all-zero output).
Result<SecretBytes> x25519(const SecretBytes &secret, const QByteArray &publicKey);

// --- Ed25519 -------------------------------------------------------------------------------
struct Ed25519KeyPair {
    QByteArray publicKey;  //!< 32 bytes
    SecretBytes secretKey; //!< 64 bytes (seed ‖ public), libsodium's layout
    static Ed25519KeyPair generate();
    static Result<Ed25519KeyPair> fromSeed(const SecretBytes &seed32);
    Ed25519KeyPair clone() const { return {publicKey, secretKey.clone()}; }
};
QByteArray ed25519Sign(const SecretBytes &secretKey, BytesView message);
bool ed25519Verify(const QByteArray &publicKey, BytesView message, const QByteArray &signature);

// --- AEAD: XChaCha20-Poly1305-IETF ---------------------------------------------------------
//! Returns nonce(24, random) ‖ ciphertext ‖ tag(16); empty on failure.
QByteArray aeadSeal(const SecretBytes &key, BytesView associatedData, BytesView plaintext);
Result<QByteArray> aeadOpen(const SecretBytes &key, BytesView associatedData, BytesView sealed);
//! Same, decrypting straight into guarded memory: message plaintexts may carry keys (sender-key
//! distributions, the AIK during device linking).
Result<SecretBytes> aeadOpenSecret(const SecretBytes &key, BytesView associatedData,
                                   BytesView sealed);

// --- Hashes and randomness -----------------------------------------------------------------
QByteArray sha256(BytesView data);
QByteArray sha512(BytesView data);
QByteArray randomPublicBytes(std::size_t n); //!< nonces, ids: never keys
//! Constant-time equality for public values too (MACs, fingerprints).
bool constantTimeEquals(BytesView a, BytesView b);

} // namespace tidings::crypto
