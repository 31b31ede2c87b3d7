#include "media_helpers.h"

#include "crypto/media_stream.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>

#include <unistd.h>

namespace tidings::test {

std::optional<wire::MediaTokenResponse> mediaToken(RawClient &client) {
    protocol::Frame f;
    f.mutable_media_token_request();
    const auto r = client.request(f);
    if (!r || !r->has_media_token_response())
        return std::nullopt;
    return r->media_token_response();
}

std::optional<EncryptedFile> encryptedFile(const QString &plainPath, const QString &blobPath,
                                           quint64 plainSize, const QByteArray &marker) {
    {
        QFile plain(plainPath);
        if (!plain.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return std::nullopt;
        QRandomGenerator rng{quint32(plainSize)};
        QByteArray block(1024 * 1024, Qt::Uninitialized);
        for (quint64 left = plainSize; left > 0;) {
            rng.fillRange(reinterpret_cast<quint32 *>(block.data()), block.size() / 4);
            // The marker at the start of every block: any plaintext leak would show it.
            memcpy(block.data(), marker.constData(), size_t(qMin(marker.size(), block.size())));
            const qint64 n = qint64(qMin<quint64>(left, quint64(block.size())));
            if (plain.write(block.constData(), n) != n)
                return std::nullopt;
            left -= quint64(n);
        }
    }
    QFile in(plainPath), out(blobPath);
    if (!in.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return std::nullopt;
    auto enc = crypto::encryptMedia(in, plainSize, out);
    if (!enc)
        return std::nullopt;
    EncryptedFile f;
    f.plainPath = plainPath;
    f.blobPath = blobPath;
    f.sha256 = enc->sha256;
    f.blobSize = enc->ciphertextSize;
    f.plainSize = enc->plaintextSize;
    f.key = std::move(enc->key);
    return f;
}

bool decryptsToPlaintext(const EncryptedFile &file, const QString &blobPath) {
    QFile in(blobPath);
    QFile out(blobPath + QStringLiteral(".plain"));
    if (!in.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    const Status s = crypto::decryptMedia(in, out, file.key, file.sha256, file.plainSize);
    out.close();
    const bool same = s && sha256OfFile(out.fileName()) == sha256OfFile(file.plainPath);
    QFile::remove(out.fileName());
    return same;
}

QByteArray sha256OfFile(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result();
}

QStringList filesContaining(const QString &dir, const QByteArray &needle) {
    QStringList hits;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (!f.open(QIODevice::ReadOnly))
            continue;
        QByteArray carry;
        while (!f.atEnd()) {
            const QByteArray piece = carry + f.read(4 * 1024 * 1024);
            if (piece.contains(needle)) {
                hits << f.fileName();
                break;
            }
            carry = piece.right(needle.size() - 1);
        }
    }
    return hits;
}

QStringList namesContaining(const QString &dir, const QString &needle) {
    QStringList hits;
    QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (it.fileName().contains(needle))
            hits << path;
    }
    return hits;
}

QByteArray pgDump(const QString &conninfo) {
    QProcess p;
    p.start(QStringLiteral("/usr/lib/postgresql/15/bin/pg_dump"),
            {QStringLiteral("--dbname=") + conninfo});
    if (!p.waitForFinished(120000) || p.exitCode() != 0) {
        qWarning("pg_dump failed: %s", p.readAllStandardError().constData());
        return {};
    }
    return p.readAllStandardOutput();
}

qint64 residentBytesOf(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return 0;
}

QString blobFile(const QString &dataDir, const QString &hex) {
    return QStringLiteral("%1/media/blobs/%2/%3/%4").arg(dataDir, hex.left(2), hex.mid(2, 2), hex);
}

bool runMaintenance(ServerHarness &server) {
    bool done = false;
    server.server()->runMaintenance([&](Result<QStringList> r) { done = r.ok(); });
    return waitFor([&] { return done; });
}

QString uploadFile(MediaClient &client, const EncryptedFile &file, quint64 chunk) {
    const HttpReply created = client.createUpload(file.blobSize);
    if (created.status != 201)
        return {};
    const QString id = created.json().value("upload").toString();
    QFile in(file.blobPath);
    if (!in.open(QIODevice::ReadOnly) || client.upload(id, in, 0, chunk).status != 200)
        return {};
    const HttpReply done = client.finish(id, file.sha256);
    return done.status == 201 ? done.json().value("blob").toString() : QString();
}

} // namespace tidings::test
