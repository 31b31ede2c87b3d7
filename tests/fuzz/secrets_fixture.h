#pragma once
// Builds a PassphraseSecretStore file (app/core/secrets/passphrase_secret_store.cpp) around any
// plaintext, with the fixed passphrase and the cheapest cost the format admits (fuzz_fixtures.h):
// the fuzz target seals what the fuzzer wrote so it reaches the parsing after the secretbox, and
// the corpus generator writes its seeds with it. Both check that the real unlock() opens it.
#include "fuzz_fixtures.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <sodium.h>

namespace tidings::fuzz {

inline QByteArray fixedSalt() {
    return QByteArray(crypto_pwhash_SALTBYTES, '\x5a');
}

//! The key the file's KDF gives for the fixed passphrase, salt and cost (derived once).
inline const QByteArray &secretsFileKey() {
    static const QByteArray key = [] {
        QByteArray k(crypto_secretbox_KEYBYTES, '\0');
        const QByteArray pw = kSecretsPassphrase.toUtf8();
        const QByteArray salt = fixedSalt();
        if (sodium_init() < 0 ||
            crypto_pwhash(reinterpret_cast<unsigned char *>(k.data()), std::size_t(k.size()),
                          pw.constData(), std::size_t(pw.size()),
                          reinterpret_cast<const unsigned char *>(salt.constData()), kCheapOps,
                          kCheapMem, crypto_pwhash_ALG_ARGON2ID13) != 0)
            std::abort();
        return k;
    }();
    return key;
}

//! The file's JSON with `plaintext` sealed under secretsFileKey().
inline QByteArray sealedSecretsFile(const QByteArray &plaintext) {
    const QByteArray nonce(crypto_secretbox_NONCEBYTES, '\x11');
    QByteArray box(plaintext.size() + qsizetype(crypto_secretbox_MACBYTES), '\0');
    crypto_secretbox_easy(reinterpret_cast<unsigned char *>(box.data()),
                          reinterpret_cast<const unsigned char *>(plaintext.constData()),
                          static_cast<unsigned long long>(plaintext.size()),
                          reinterpret_cast<const unsigned char *>(nonce.constData()),
                          reinterpret_cast<const unsigned char *>(secretsFileKey().constData()));
    const QJsonObject o{{QStringLiteral("v"), 1},
                        {QStringLiteral("kdf"), QStringLiteral("argon2id13")},
                        {QStringLiteral("ops"), double(kCheapOps)},
                        {QStringLiteral("mem"), double(kCheapMem)},
                        {QStringLiteral("salt"), QString::fromLatin1(fixedSalt().toBase64())},
                        {QStringLiteral("nonce"), QString::fromLatin1(nonce.toBase64())},
                        {QStringLiteral("box"), QString::fromLatin1(box.toBase64())}};
    return QJsonDocument(o).toJson();
}

} // namespace tidings::fuzz
