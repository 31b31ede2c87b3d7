#include "crypto/primitives.h"

#include <sodium.h>

#include <cstring>

namespace tidings::crypto {

SecretBytes hmacSha256(BytesView key, BytesView message) {
    ensureSodium();
    SecretBytes out(crypto_auth_hmacsha256_BYTES);
    // The state holds key-derived pads: keep it in guarded memory and wipe it.
    SecretBytes st(sizeof(crypto_auth_hmacsha256_state));
    auto *state = reinterpret_cast<crypto_auth_hmacsha256_state *>(st.data());
    if (!out.data() || !state || crypto_auth_hmacsha256_init(state, key.data, key.size) != 0 ||
        crypto_auth_hmacsha256_update(state, message.data, message.size) != 0 ||
        crypto_auth_hmacsha256_final(state, out.data()) != 0)
        return {};
    return out;
}

SecretBytes hkdfExtract(BytesView salt, BytesView ikm) {
    static const std::uint8_t zeros[crypto_auth_hmacsha256_BYTES] = {};
    if (salt.size == 0)
        salt = BytesView(zeros, sizeof zeros);
    return hmacSha256(salt, ikm);
}

SecretBytes hkdfExpand(BytesView prk, BytesView info, std::size_t length) {
    constexpr std::size_t H = crypto_auth_hmacsha256_BYTES;
    if (length == 0 || length > 255 * H || prk.size == 0)
        return {};
    SecretBytes okm(length);
    std::uint8_t block[H];
    crypto_auth_hmacsha256_state state; // wiped below, see hmacSha256()
    bool ok = okm.data() != nullptr;
    std::size_t done = 0;
    for (std::uint8_t counter = 1; ok && done < length; ++counter) {
        // T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i)
        ok = crypto_auth_hmacsha256_init(&state, prk.data, prk.size) == 0 &&
             (counter == 1 || crypto_auth_hmacsha256_update(&state, block, H) == 0) &&
             crypto_auth_hmacsha256_update(&state, info.data, info.size) == 0 &&
             crypto_auth_hmacsha256_update(&state, &counter, 1) == 0 &&
             crypto_auth_hmacsha256_final(&state, block) == 0;
        const std::size_t n = std::min(H, length - done);
        if (ok)
            std::memcpy(okm.data() + done, block, n);
        done += n;
    }
    sodium_memzero(&state, sizeof state);
    sodium_memzero(block, sizeof block);
    if (!ok)
        return {};
    return okm;
}

SecretBytes hkdf(BytesView salt, BytesView ikm, BytesView info, std::size_t length) {
    const SecretBytes prk = hkdfExtract(salt, ikm);
    if (prk.isEmpty())
        return {};
    return hkdfExpand(prk, info, length);
}

X25519KeyPair X25519KeyPair::generate() {
    ensureSodium();
    X25519KeyPair kp;
    kp.secretKey = SecretBytes(crypto_box_SECRETKEYBYTES);
    kp.publicKey.resize(crypto_box_PUBLICKEYBYTES);
    if (crypto_box_keypair(reinterpret_cast<unsigned char *>(kp.publicKey.data()),
                           kp.secretKey.data()) != 0)
        return {};
    return kp;
}

Result<X25519KeyPair> X25519KeyPair::fromSecret(SecretBytes secret) {
    ensureSodium();
    if (secret.size() != crypto_scalarmult_SCALARBYTES)
        return makeError(CryptoError::BadKey, QStringLiteral("x25519 secret size"));
    X25519KeyPair kp;
    kp.publicKey.resize(crypto_scalarmult_BYTES);
    if (crypto_scalarmult_base(reinterpret_cast<unsigned char *>(kp.publicKey.data()),
                               secret.data()) != 0)
        return makeError(CryptoError::Internal, QStringLiteral("scalarmult_base"));
    kp.secretKey = std::move(secret);
    return kp;
}

bool isCanonicalX25519Public(const QByteArray &publicKey) {
    if (std::size_t(publicKey.size()) != crypto_scalarmult_BYTES)
        return false;
    const auto *p = reinterpret_cast<const std::uint8_t *>(publicKey.constData());
    if (p[31] & 0x80)
        return false;
    if (p[31] != 0x7f || p[0] < 0xed)
        return true;
    for (int i = 1; i < 31; ++i)
        if (p[i] != 0xff)
            return true;
    return false; // 2^255 - 19 <= u < 2^255
}

Result<SecretBytes> x25519(const SecretBytes &secret, const QByteArray &publicKey) {
    ensureSodium();
    if (secret.size() != crypto_scalarmult_SCALARBYTES ||
        std::size_t(publicKey.size()) != crypto_scalarmult_BYTES)
        return makeError(CryptoError::BadKey, QStringLiteral("x25519 key size"));
    SecretBytes out(crypto_scalarmult_BYTES);
    if (!out.data())
        return makeError(CryptoError::Internal);
    // -1 means the result is all zero: a low-order (or zero) point chosen by an attacker to
    // force a known shared secret.
    if (crypto_scalarmult(out.data(), secret.data(),
                          reinterpret_cast<const unsigned char *>(publicKey.constData())) != 0)
        return makeError(CryptoError::LowOrderPoint);
    return out;
}

Ed25519KeyPair Ed25519KeyPair::generate() {
    ensureSodium();
    Ed25519KeyPair kp;
    kp.secretKey = SecretBytes(crypto_sign_SECRETKEYBYTES);
    kp.publicKey.resize(crypto_sign_PUBLICKEYBYTES);
    if (crypto_sign_keypair(reinterpret_cast<unsigned char *>(kp.publicKey.data()),
                            kp.secretKey.data()) != 0)
        return {};
    return kp;
}

Result<Ed25519KeyPair> Ed25519KeyPair::fromSeed(const SecretBytes &seed32) {
    ensureSodium();
    if (seed32.size() != crypto_sign_SEEDBYTES)
        return makeError(CryptoError::BadKey, QStringLiteral("ed25519 seed size"));
    Ed25519KeyPair kp;
    kp.secretKey = SecretBytes(crypto_sign_SECRETKEYBYTES);
    kp.publicKey.resize(crypto_sign_PUBLICKEYBYTES);
    if (crypto_sign_seed_keypair(reinterpret_cast<unsigned char *>(kp.publicKey.data()),
                                 kp.secretKey.data(), seed32.data()) != 0)
        return makeError(CryptoError::Internal, QStringLiteral("sign_seed_keypair"));
    return kp;
}

QByteArray ed25519Sign(const SecretBytes &secretKey, BytesView message) {
    ensureSodium();
    if (secretKey.size() != crypto_sign_SECRETKEYBYTES)
        return {};
    QByteArray sig(crypto_sign_BYTES, Qt::Uninitialized);
    if (crypto_sign_detached(reinterpret_cast<unsigned char *>(sig.data()), nullptr, message.data,
                             message.size, secretKey.data()) != 0)
        return {};
    return sig;
}

bool ed25519Verify(const QByteArray &publicKey, BytesView message, const QByteArray &signature) {
    ensureSodium();
    if (std::size_t(publicKey.size()) != crypto_sign_PUBLICKEYBYTES ||
        std::size_t(signature.size()) != crypto_sign_BYTES)
        return false;
    return crypto_sign_verify_detached(
               reinterpret_cast<const unsigned char *>(signature.constData()), message.data,
               message.size, reinterpret_cast<const unsigned char *>(publicKey.constData())) == 0;
}

QByteArray aeadSeal(const SecretBytes &key, BytesView ad, BytesView plaintext) {
    ensureSodium();
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
        return {};
    QByteArray out(qsizetype(kNonceSize + plaintext.size + kTagSize), Qt::Uninitialized);
    auto *nonce = reinterpret_cast<unsigned char *>(out.data());
    // 192-bit random nonces: collision probability is negligible, so no counter state is needed.
    randombytes_buf(nonce, kNonceSize);
    unsigned long long ctLen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceSize, &ctLen, plaintext.data,
                                                   plaintext.size, ad.data, ad.size, nullptr, nonce,
                                                   key.data()) != 0)
        return {};
    return out;
}

Result<QByteArray> aeadOpen(const SecretBytes &key, BytesView ad, BytesView sealed) {
    ensureSodium();
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
        return makeError(CryptoError::BadKey);
    if (sealed.size < kNonceSize + kTagSize)
        return makeError(CryptoError::Malformed, QStringLiteral("sealed box too short"));
    QByteArray pt(qsizetype(sealed.size - kNonceSize - kTagSize), Qt::Uninitialized);
    unsigned long long ptLen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char *>(pt.data()), &ptLen, nullptr, sealed.data + kNonceSize,
            sealed.size - kNonceSize, ad.data, ad.size, sealed.data, key.data()) != 0)
        return makeError(CryptoError::DecryptFailed);
    return pt;
}

Result<SecretBytes> aeadOpenSecret(const SecretBytes &key, BytesView ad, BytesView sealed) {
    ensureSodium();
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
        return makeError(CryptoError::BadKey);
    if (sealed.size < kNonceSize + kTagSize)
        return makeError(CryptoError::Malformed, QStringLiteral("sealed box too short"));
    const std::size_t n = sealed.size - kNonceSize - kTagSize;
    // SecretBytes(0) has no buffer; libsodium still needs a valid pointer for an empty message.
    SecretBytes pt(n ? n : 1);
    if (!pt.data())
        return makeError(CryptoError::Internal);
    unsigned long long ptLen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            pt.data(), &ptLen, nullptr, sealed.data + kNonceSize, sealed.size - kNonceSize, ad.data,
            ad.size, sealed.data, key.data()) != 0)
        return makeError(CryptoError::DecryptFailed);
    if (n == 0)
        return SecretBytes();
    return pt;
}

QByteArray sha256(BytesView data) {
    ensureSodium();
    QByteArray out(crypto_hash_sha256_BYTES, Qt::Uninitialized);
    crypto_hash_sha256(reinterpret_cast<unsigned char *>(out.data()), data.data, data.size);
    return out;
}

QByteArray sha512(BytesView data) {
    ensureSodium();
    QByteArray out(crypto_hash_sha512_BYTES, Qt::Uninitialized);
    crypto_hash_sha512(reinterpret_cast<unsigned char *>(out.data()), data.data, data.size);
    return out;
}

QByteArray randomPublicBytes(std::size_t n) {
    ensureSodium();
    QByteArray out(qsizetype(n), Qt::Uninitialized);
    randombytes_buf(out.data(), n);
    return out;
}

bool constantTimeEquals(BytesView a, BytesView b) {
    ensureSodium();
    return a.size == b.size && (a.size == 0 || sodium_memcmp(a.data, b.data, a.size) == 0);
}

} // namespace tidings::crypto
