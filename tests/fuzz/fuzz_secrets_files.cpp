// libFuzzer target for the secrets files a client reads from disk (app/core/secrets): the CLI's
// FileSecretStore (a JSON object {key: base64}) and PassphraseSecretStore's sealed file (JSON with
// the Argon2id cost, salt, nonce and an XSalsa20-Poly1305 box around the same kind of object).
// The first input byte picks the entry; the rest is written to a file and read by the store:
//   0  a FileSecretStore file
//   1  a PassphraseSecretStore file, unlocked with the fixed passphrase (fuzz_fixtures.h)
//   2  the plaintext inside a PassphraseSecretStore file, sealed here with the fixed passphrase
// Files asking for a costly KDF are skipped (the format bounds the cost to what a real unlock may
// take, too slow per input), so the fuzzer explores the parsing around a cheap one.
// Checked: a refusal is a Storage error (BadCredentials for a box that does not open) with a
// reason; a store that opened keeps what it read: writing another key and reading everything back
// (from a new store over the same file) gives the same values, and the passphrase file keeps its
// cost; a file sealed with the right passphrase always unlocks.
// Seeds: corpus_secrets_files/, written by tidings_fuzz_make_client_corpus.
#include "core/secrets/passphrase_secret_store.h"
#include "core/secrets/secret_store.h"
#include "secrets_fixture.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cstddef>
#include <cstdint>

using namespace tidings;
using namespace tidings::client;

namespace {

QTemporaryDir *dir = nullptr;

[[noreturn]] void fail(const char *what) {
    fuzz::fail("fuzz_secrets_files", what);
}

QString writeFile(const QByteArray &data) {
    const QString path = dir->filePath(QStringLiteral("secrets"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size())
        fail("cannot write the input file");
    return path;
}

void checkRefusal(const Error &e, bool passphraseFile) {
    const bool typed =
        e.code == ErrorCode::Storage || (passphraseFile && e.code == ErrorCode::BadCredentials);
    if (!typed || e.detail.isEmpty())
        fail("a refusal that is not a Storage error with a reason");
}

//! The keys a store holds, as the file names them (values are compared through the store).
QStringList keysOf(const QByteArray &json) {
    return QJsonDocument::fromJson(json).object().keys();
}

const QString kAddedKey = QStringLiteral("fuzz-added");
const QByteArray kAddedValue("added value \x00\xff", 14);

void fileStore(const QByteArray &data) {
    const QString path = writeFile(data);
    FileSecretStore store(path);
    auto token = store.read(kDeviceTokenKey);
    if (!token) {
        checkRefusal(token.error(), false);
        return;
    }
    QHash<QString, QByteArray> before;
    for (const QString &k : keysOf(data)) {
        auto v = store.read(k);
        if (!v)
            fail("a key of a readable file cannot be read");
        before.insert(k, *v);
    }
    if (!store.write(kAddedKey, kAddedValue))
        fail("cannot write to a readable file");
    FileSecretStore reread(path);
    for (auto it = before.begin(); it != before.end(); ++it) {
        auto v = reread.read(it.key());
        if (it.key() != kAddedKey && (!v || *v != it.value()))
            fail("a value changed when another key was written");
    }
    auto added = reread.read(kAddedKey);
    if (!added || *added != kAddedValue)
        fail("a written value does not read back");
}

void passphraseStore(const QByteArray &file, bool sealedHere) {
    const QJsonObject o = QJsonDocument::fromJson(file).object();
    // The cost is the file's: one the format admits but above these takes too long per input
    // (not a parser matter). Costs out of the format's bounds must be refused before the KDF.
    const double ops = o.value(u"ops").toDouble();
    const double mem = o.value(u"mem").toDouble();
    if ((ops > 4 && ops <= double(crypto_pwhash_OPSLIMIT_SENSITIVE)) ||
        (mem > 65536 && mem <= double(crypto_pwhash_MEMLIMIT_SENSITIVE)))
        return;
    const QString path = writeFile(file);
    auto store = PassphraseSecretStore::unlock(path, fuzz::kSecretsPassphrase);
    if (!store) {
        if (sealedHere)
            fail("a file sealed with the passphrase does not unlock");
        checkRefusal(store.error(), true);
        return;
    }
    auto token = (*store)->read(kDeviceTokenKey);
    if (!token)
        fail("an unlocked store cannot read");
    if (!(*store)->write(kAddedKey, kAddedValue))
        fail("cannot write to an unlocked store");
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        fail("the saved file is gone");
    const QJsonObject saved = QJsonDocument::fromJson(f.readAll()).object();
    if (saved.value(u"ops") != o.value(u"ops") || saved.value(u"mem") != o.value(u"mem"))
        fail("saving changed the file's cost");
    auto again = PassphraseSecretStore::unlock(path, fuzz::kSecretsPassphrase);
    if (!again)
        fail("a saved file does not unlock");
    auto token2 = (*again)->read(kDeviceTokenKey);
    auto added = (*again)->read(kAddedKey);
    if (!token2 || *token2 != *token || !added || *added != kAddedValue)
        fail("a saved file reads back different values");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static QCoreApplication app(*argc, *argv);
    // The stores sync every save to disk (QSaveFile): in memory when the machine has a tmpfs,
    // thousands of inputs would otherwise wait on the disk.
    const bool shm = QFileInfo(QStringLiteral("/dev/shm")).isWritable();
    dir = shm ? new QTemporaryDir(QStringLiteral("/dev/shm/tidings-fuzz-secrets-XXXXXX"))
              : new QTemporaryDir;
    if (!dir->isValid())
        fail("no temporary directory");
    // The file built here must be the production format.
    const QString path = writeFile(fuzz::sealedSecretsFile(R"({"device_token":"dG9rZW4="})"));
    auto store = PassphraseSecretStore::unlock(path, fuzz::kSecretsPassphrase);
    if (!store)
        fail("sealedSecretsFile() no longer matches PassphraseSecretStore: update the target");
    auto token = (*store)->read(kDeviceTokenKey);
    if (!token || *token != "token")
        fail("sealedSecretsFile() no longer matches PassphraseSecretStore: update the target");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    if (size < 1 || size > 1 << 14)
        return 0;
    const QByteArray data(reinterpret_cast<const char *>(bytes) + 1, qsizetype(size - 1));
    switch (bytes[0] % 3) {
    case 0:
        fileStore(data);
        break;
    case 1:
        passphraseStore(data, false);
        break;
    case 2:
        passphraseStore(fuzz::sealedSecretsFile(data), true);
        break;
    }
    return 0;
}
