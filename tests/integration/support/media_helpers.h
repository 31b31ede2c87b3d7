#pragma once
// What the media integration tests share: a media token over the WebSocket, a file encrypted
// as a client encrypts an attachment (shared/crypto/media_stream), and searches of a server's
// data directory and database dump for what must never be there.
#include "crypto/secret_bytes.h"
#include "media_client.h"
#include "raw_client.h"
#include "server_harness.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace tidings::test {

//! MediaTokenRequest on an authenticated connection; null without an answer or on an error.
std::optional<wire::MediaTokenResponse> mediaToken(RawClient &client);

//! A plaintext file (`marker` repeated through it, random bytes between) and its encryption
//! into `blobPath`, the bytes a client uploads.
struct EncryptedFile {
    QString plainPath;
    QString blobPath;
    QByteArray sha256; //!< of the blob (32 bytes)
    quint64 blobSize = 0;
    quint64 plainSize = 0;
    crypto::SecretBytes key;
};
std::optional<EncryptedFile> encryptedFile(const QString &plainPath, const QString &blobPath,
                                           quint64 plainSize, const QByteArray &marker);
//! Decrypts `blobPath` with the file's key and compares it with its plaintext.
bool decryptsToPlaintext(const EncryptedFile &file, const QString &blobPath);

QByteArray sha256OfFile(const QString &path);
//! Files under `dir` whose bytes contain `needle` (read in pieces; also across piece borders).
QStringList filesContaining(const QString &dir, const QByteArray &needle);
//! Paths under `dir` whose names contain `needle`.
QStringList namesContaining(const QString &dir, const QString &needle);
//! pg_dump of a database as SQL text (empty on failure).
QByteArray pgDump(const QString &conninfo);
//! A process's resident set (VmRSS) in bytes, from /proc/PID/status; 0 if unknown.
qint64 residentBytesOf(qint64 pid);

//! The blob's file in a server's data directory.
QString blobFile(const QString &dataDir, const QString &hex);
//! Runs the server's maintenance (media expiry among it); true once it succeeded.
bool runMaintenance(ServerHarness &server);
//! Uploads a whole encrypted file in `chunk`-byte pieces and finishes it; the blob id, or empty.
QString uploadFile(MediaClient &client, const EncryptedFile &file, quint64 chunk = 4 << 20);

} // namespace tidings::test
