#pragma once
// The backup archive (issue 13; docs/OPERATIONS.md, "Backups"): one POSIX tar file (ustar, with
// GNU base-256 sizes past 8 GiB), so `tar tvf` can look inside, holding in this order
//
//   tidings-backup/manifest.json     what made it: format, schema version, server version, time
//   tidings-backup/database.pgdump   pg_dump's custom format, one consistent snapshot
//   tidings-backup/files/...         the data directory's config file and tls/ folder
//   tidings-backup/media/blobs/...   the media store's finished blobs, as stored
//   tidings-backup/end.json          every member's name, size and SHA-256, chained into one hash
//
// The last member is what makes a file a whole backup: a truncated copy, one with a member
// changed, or anything else ends without a matching end.json, and restore refuses it before it
// keeps anything. A newer format or schema than this server knows is refused by the manifest.
//
// Writer and reader are plain blocking file code: the server runs the writer on a pool thread,
// restore runs the reader in tidingsd --restore, which serves nothing meanwhile.
#include "protocol/result.h"

#include <QByteArray>
#include <QIODevice>
#include <QJsonObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace tidings::server::backup {

inline constexpr int kFormat = 1;
inline const QString kRoot = QStringLiteral("tidings-backup/");
inline const QString kManifest = QStringLiteral("tidings-backup/manifest.json");
inline const QString kDatabase = QStringLiteral("tidings-backup/database.pgdump");
inline const QString kFilesPrefix = QStringLiteral("tidings-backup/files/");
inline const QString kBlobsPrefix = QStringLiteral("tidings-backup/media/blobs/");
inline const QString kEnd = QStringLiteral("tidings-backup/end.json");
//! manifest.json and end.json are read whole; nothing else is.
inline constexpr qint64 kMaxJsonBytes = 1 << 20;

//! Keeps the chain of member digests both sides compute: H(prev || name || 0 || size || sha).
class MemberChain {
public:
    MemberChain();
    void add(const QString &name, quint64 size, const QByteArray &sha256);
    QByteArray digest() const { return m_digest; }
    quint64 members() const { return m_members; }
    quint64 bytes() const { return m_bytes; }

private:
    QByteArray m_digest;
    quint64 m_members = 0;
    quint64 m_bytes = 0;
};

class TarWriter {
public:
    //! `out` is open for writing and outlives the writer; `mtime` (seconds since 1970) is every
    //! member's time, the backup's.
    explicit TarWriter(QIODevice &out, qint64 mtime = 0);

    Status addBytes(const QString &name, const QByteArray &content);
    //! Copies the file at `path` (its size when opened) as `name`.
    Status addFile(const QString &name, const QString &path);
    //! end.json from the chain, then the two zero blocks of the end of a tar.
    Status finish(const QJsonObject &extra = {});

    quint64 written() const { return m_written; }
    const MemberChain &chain() const { return m_chain; }

private:
    Status header(const QString &name, quint64 size);
    Status write(const char *data, qint64 size);
    Status pad(quint64 size);

    QIODevice &m_out;
    qint64 m_mtime = 0;
    MemberChain m_chain;
    quint64 m_written = 0;
};

//! One member's header.
struct TarEntry {
    QString name;
    quint64 size = 0;
    bool regularFile = true;
};

class TarReader {
public:
    explicit TarReader(QIODevice &in);

    //! The next member's header; an empty optional at the end of the archive; an error for a
    //! damaged header or a file that ends inside one.
    Result<std::optional<TarEntry>> next();
    //! Reads the current member's content in pieces into `sink` (false from the sink stops with
    //! its error), and checks it against the chain; then next() may be called.
    Status readContent(const std::function<Status(const char *, qint64)> &sink);
    //! readContent into memory, for members of at most `limit` bytes.
    Result<QByteArray> readAll(qint64 limit);
    //! The SHA-256 of the member readContent just read.
    QByteArray lastSha256() const { return m_lastSha; }
    const MemberChain &chain() const { return m_chain; }

private:
    Status readExactly(char *data, qint64 size);

    QIODevice &m_in;
    MemberChain m_chain;
    std::optional<TarEntry> m_current;
    bool m_contentRead = true;
    QByteArray m_lastSha;
};

//! An error saying the archive is not a whole, readable backup.
Error damaged(const QString &what);

} // namespace tidings::server::backup
