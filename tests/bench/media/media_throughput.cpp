// tidings-media-throughput: a large file (default 1 GiB) sent and fetched over loopback through
// the real client core (client::Media: prepare, encrypt, resumable chunked upload, ranged
// download, verify, decrypt) and the real server (tidingsd as its own process, on a throwaway
// PostgreSQL). Two devices of two users in this process; alice sends, bob downloads.
//
// Per run, one JSON line:
//   upload_s / upload_mbps      sendFiles() → Media::uploaded (the message goes out): everything
//   prepare_s                   sendFiles() → the server answered "create upload". Since uploads
//                               stream while they are encrypted, the upload is created before
//                               encrypting: this is only the token and the create
//   wire_s / wire_mbps          create answered → the last chunk answered (PATCH after PATCH,
//                               each written and fdatasync'ed by the server before it answers;
//                               now including waits for the encryption, which runs meanwhile)
//   finish_s                    last chunk → "finish" answered (the server hashes the upload,
//                               syncs it and moves it into place)
//   download_s / download_mbps  Media::download() → Media::downloaded (the decrypted file is in
//                               place): everything
//   fetch_s / fetch_mbps        download() → the GET's last byte (ciphertext into a scratch file)
//   decrypt_s                   last byte → downloaded (hash check, then decryption, rename)
//   server_rss_*_mb             tidingsd's VmRSS before, its highest sample (every 10 ms) during
//                               the run, and VmHWM (the kernel's own peak) after
//   *_cpu_s                     CPU seconds of this process (both clients) and of tidingsd
//   server_written_mb           bytes tidingsd caused to be written to storage (/proc/PID/io)
// MB/s are 10^6 bytes of the file per second. The page cache is flushed (sync) before each
// direction so one direction's writeback does not land in the other's time.
//
//   tidings-media-throughput [--mib 1024] [--runs 3] [--tidingsd PATH] [--dir DIR]
#include "bench_common.h"

#include "core/media/media.h"
#include "core/media/media_http.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>

#include <sodium.h>

#include <cstdio>

#include <unistd.h>

using namespace tidings;
using namespace tidings::bench;

namespace {

//! Writes `bytes` of incompressible data (a ChaCha20 stream) and syncs it.
bool makeFile(const QString &path, qint64 bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QByteArray buf(4 << 20, Qt::Uninitialized);
    unsigned char key[crypto_stream_chacha20_KEYBYTES];
    randombytes_buf(key, sizeof key);
    quint64 nonce = 0;
    for (qint64 left = bytes; left > 0;) {
        const qint64 n = std::min<qint64>(left, buf.size());
        crypto_stream_chacha20(reinterpret_cast<unsigned char *>(buf.data()), quint64(n),
                               reinterpret_cast<const unsigned char *>(&++nonce), key);
        if (f.write(buf.constData(), n) != n)
            return false;
        left -= n;
    }
    f.flush();
    return ::fsync(f.handle()) == 0;
}

double r2(double v) {
    return std::round(v * 100) / 100;
}

class Bench {
public:
    bool setUp(const QString &tidingsd, const QString &dir) {
        m_dir = dir;
        if (const QString err = m_server.start(tidingsd); !err.isEmpty()) {
            std::fprintf(stderr, "%s\n", qPrintable(err));
            return false;
        }
        if (!m_alice.open(QDir(dir).filePath(u"alice/client.sqlite"_qs)) ||
            !m_bob.open(QDir(dir).filePath(u"bob/client.sqlite"_qs)) ||
            !m_alice.registerAs(m_server.url(), u"alice"_qs) ||
            !m_bob.registerAs(m_server.url(), u"bob"_qs))
            return false;
        m_conv = openDirect(m_alice, m_bob);
        if (m_conv == 0)
            return false;
        m_aliceLog.watch(m_alice.media());
        m_bobLog.watch(m_bob.media());
        QObject::connect(&m_bob.client->messaging(), &client::Messaging::messagesReceived,
                         m_bob.client.get(),
                         [this](quint64, const QList<client::MessageRecord> &ms) {
                             for (const auto &m : ms)
                                 if (!m.attachments.isEmpty())
                                     m_received = m.seq;
                         });
        return true;
    }

    QJsonObject run(const QString &file, qint64 bytes) {
        QJsonObject out{{"bytes", bytes}, {"load_before", loadAverage()}};
        const qint64 server = m_server.pid();
        ::sync();
        m_aliceLog.reset();
        m_bobLog.reset();
        m_received = 0;
        const double rssBefore = statusMb(server, "VmRSS:");
        RssSampler sampler(server);
        sampler.start();

        // --- upload ---
        bool uploaded = false;
        QString sentId;
        QObject scope;
        QObject::connect(&m_alice.media(), &client::Media::uploaded, &scope,
                         [&](quint64, const QString &id) {
                             if (id == sentId)
                                 uploaded = true;
                         });
        QString failure;
        QObject::connect(&m_alice.media(), &client::Media::transferChanged, &scope,
                         [&](quint64, const QString &, quint64, const client::AttachmentRecord &a) {
                             if (a.transfer == client::AttachmentRecord::Transfer::Failed)
                                 failure = a.transferError;
                         });
        double cpuSelf = cpuSeconds(0), cpuServer = cpuSeconds(server);
        const qint64 serverWritten = writeBytes(server);
        const qint64 t0 = nowNs();
        client::OutgoingFile f;
        f.path = file;
        auto ids = m_alice.media().sendFiles(m_conv, {f});
        if (!ids || ids->isEmpty())
            return error(out, "sendFiles refused");
        sentId = ids->first();
        if (!waitFor([&] { return uploaded || !failure.isEmpty(); }, 30 * 60 * 1000) || !uploaded)
            return error(out, qPrintable(u"upload failed: "_qs + failure));
        const qint64 t1 = nowNs();
        const double upCpuSelf = cpuSeconds(0) - cpuSelf;
        const double upCpuServer = cpuSeconds(server) - cpuServer;
        const double upRss = sampler.stop();
        const qint64 upWritten = writeBytes(server) - serverWritten;
        const auto &a = m_aliceLog;
        const double mb = double(bytes) / 1e6;
        out["upload_s"] = r2(msBetween(t0, t1) / 1000);
        out["upload_mbps"] = r2(mb / (msBetween(t0, t1) / 1000));
        out["prepare_s"] = r2(msBetween(t0, a.created) / 1000);
        out["wire_s"] = r2(msBetween(a.created, a.lastChunk) / 1000);
        out["wire_mbps"] = r2(mb / (msBetween(a.created, a.lastChunk) / 1000));
        out["finish_s"] = r2(msBetween(a.lastChunk, a.finished) / 1000);
        out["chunks"] = a.chunks;
        out["upload_http_errors"] = a.errors;
        out["upload_client_cpu_s"] = r2(upCpuSelf);
        out["upload_server_cpu_s"] = r2(upCpuServer);
        out["upload_server_written_mb"] = r2(double(upWritten) / 1e6);
        out["upload_server_rss_peak_mb"] = r2(upRss);

        // --- download ---
        if (!waitFor([&] { return m_received != 0; }, 60000))
            return error(out, "bob never got the message");
        const quint64 seq = m_received;
        ::sync();
        sampler.start();
        bool downloaded = false;
        QString localPath;
        failure.clear();
        QObject::connect(&m_bob.media(), &client::Media::downloaded, &scope,
                         [&](quint64, quint64 s, const QString &path) {
                             if (s == seq) {
                                 downloaded = true;
                                 localPath = path;
                             }
                         });
        QObject::connect(
            &m_bob.media(), &client::Media::transferChanged, &scope,
            [&](quint64, const QString &, quint64, const client::AttachmentRecord &att) {
                if (att.transfer == client::AttachmentRecord::Transfer::Failed)
                    failure = att.transferError;
            });
        cpuSelf = cpuSeconds(0);
        cpuServer = cpuSeconds(server);
        const qint64 t2 = nowNs();
        m_bob.media().download(m_conv, seq);
        if (!waitFor([&] { return downloaded || !failure.isEmpty(); }, 30 * 60 * 1000) ||
            !downloaded)
            return error(out, qPrintable(u"download failed: "_qs + failure));
        const qint64 t3 = nowNs();
        const auto &b = m_bobLog;
        out["download_s"] = r2(msBetween(t2, t3) / 1000);
        out["download_mbps"] = r2(mb / (msBetween(t2, t3) / 1000));
        out["fetch_s"] = r2(msBetween(t2, b.fetched) / 1000);
        out["fetch_mbps"] = r2(mb / (msBetween(t2, b.fetched) / 1000));
        out["decrypt_s"] = r2(msBetween(b.fetched, t3) / 1000);
        out["download_client_cpu_s"] = r2(cpuSeconds(0) - cpuSelf);
        out["download_server_cpu_s"] = r2(cpuSeconds(server) - cpuServer);
        out["download_server_rss_peak_mb"] = r2(sampler.stop());
        out["download_http_errors"] = b.errors;
        out["server_rss_before_mb"] = r2(rssBefore);
        out["server_vmhwm_mb"] = r2(statusMb(server, "VmHWM:"));
        out["load_after"] = loadAverage();
        if (QFileInfo(localPath).size() != bytes)
            return error(out, "the downloaded file has the wrong size");
        if (m_verify && fileSha256(localPath) != m_sourceSha)
            return error(out, "the downloaded file differs from the source");

        // Room for the next run: the decrypted copy, the sender's copy in its profile.
        (void)m_bob.media().deleteLocalCopy(m_conv, seq);
        (void)m_alice.media().deleteLocalCopy(m_conv, seq);
        return out;
    }

    //! The server's ingest without the client core: the same file's bytes PATCHed in 4 MiB
    //! chunks by curl (one process per chunk, like a script would), with alice's media token.
    QJsonObject rawWire(const QString &file, qint64 bytes) {
        QJsonObject out{{"raw_wire", true}, {"bytes", bytes}, {"load_before", loadAverage()}};
        QByteArray token;
        bool done = false;
        m_alice.media().tokens().get([&](Result<client::MediaToken> t) {
            done = true;
            if (t)
                token = t->token;
        });
        if (!waitFor([&] { return done; }, 30000) || token.isEmpty())
            return error(out, "no media token");
        const QString base = client::MediaHttp::baseUrlFor(m_server.url()).toString();
        auto curl = [&](const QStringList &args) {
            QProcess p;
            p.start(u"curl"_qs,
                    QStringList{u"-s"_qs, u"-H"_qs,
                                u"Authorization: Bearer "_qs + QString::fromLatin1(token)} +
                        args);
            p.waitForFinished(120000);
            return p.readAllStandardOutput();
        };
        const QJsonObject created =
            QJsonDocument::fromJson(
                curl({u"-X"_qs, u"POST"_qs, u"-H"_qs, u"Upload-Length: %1"_qs.arg(bytes),
                      base + u"/uploads"_qs}))
                .object();
        const QString id = created.value(u"upload"_qs).toString();
        if (id.isEmpty())
            return error(out, "no upload");
        const qint64 chunk = 4 << 20;
        QFile in(file);
        if (!in.open(QIODevice::ReadOnly))
            return error(out, "cannot read the file");
        const QString piece = m_dir + u"/chunk.bin"_qs;
        double cpuServer = cpuSeconds(m_server.pid());
        qint64 spent = 0;
        for (qint64 offset = 0; offset < bytes; offset += chunk) {
            QFile c(piece);
            if (!c.open(QIODevice::WriteOnly | QIODevice::Truncate) || c.write(in.read(chunk)) <= 0)
                return error(out, "cannot write a chunk");
            c.close();
            const qint64 t = nowNs();
            const QByteArray answer =
                curl({u"-X"_qs, u"PATCH"_qs, u"-H"_qs, u"Upload-Offset: %1"_qs.arg(offset),
                      u"-H"_qs, u"Content-Type: application/offset+octet-stream"_qs,
                      u"--data-binary"_qs, u"@"_qs + piece, base + u"/uploads/"_qs + id});
            spent += nowNs() - t;
            if (!answer.contains("offset"))
                return error(out, qPrintable(u"chunk refused: "_qs + QString::fromUtf8(answer)));
        }
        QFile::remove(piece);
        out["wire_s"] = r2(double(spent) / 1e9);
        out["wire_mbps"] = r2(double(bytes) / 1e6 / (double(spent) / 1e9));
        out["server_cpu_s"] = r2(cpuSeconds(m_server.pid()) - cpuServer);
        out["load_after"] = loadAverage();
        curl({u"-X"_qs, u"DELETE"_qs, base + u"/uploads/"_qs + id});
        return out;
    }

    void setVerify(bool verify, const QByteArray &sha) {
        m_verify = verify;
        m_sourceSha = sha;
    }

private:
    static QJsonObject error(QJsonObject o, const char *what) {
        o["error"] = QString::fromUtf8(what);
        return o;
    }

    QString m_dir;
    ServerProcess m_server;
    Device m_alice, m_bob;
    quint64 m_conv = 0;
    quint64 m_received = 0;
    RequestLog m_aliceLog, m_bobLog;
    bool m_verify = true;
    QByteArray m_sourceSha;
};

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.setApplicationDescription(
        "Upload and download throughput of a large file through client::Media and tidingsd.");
    p.addHelpOption();
    p.addOption({"mib", "File size in MiB (default 1024).", "n", "1024"});
    p.addOption({"runs", "Upload + download rounds (default 3).", "n", "3"});
    p.addOption({"tidingsd", "The server binary.", "path", QStringLiteral(TIDINGSD_PATH)});
    p.addOption({"dir", "Working folder (default: a temporary one in /tmp).", "dir"});
    p.addOption({"raw-wire", "Also PATCH the file with curl, to see the server's own ingest."});
    p.addOption({"no-verify", "Skip comparing the download with the source (SHA-256)."});
    p.process(app);
    const qint64 bytes = p.value("mib").toLongLong() << 20;
    const int runs = p.value("runs").toInt();
    if (bytes <= 0 || runs < 0) {
        std::fprintf(stderr, "need --mib >= 1 and --runs >= 0\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    std::unique_ptr<QTemporaryDir> tmp;
    QString dir = p.value("dir");
    if (dir.isEmpty()) {
        tmp = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/tidings-media-bench-XXXXXX"));
        dir = tmp->path();
    }
    QDir().mkpath(dir);
    const QString file = QDir(dir).filePath(u"payload.bin"_qs);
    if (!makeFile(file, bytes)) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(file));
        return 1;
    }
    Bench bench;
    bench.setVerify(!p.isSet("no-verify"), p.isSet("no-verify") ? QByteArray() : fileSha256(file));
    if (!bench.setUp(p.value("tidingsd"), dir))
        return 1;
    int rc = 0;
    if (p.isSet("raw-wire")) {
        const QJsonObject o = bench.rawWire(file, bytes);
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
    }
    for (int i = 0; i < runs; ++i) {
        QJsonObject o = bench.run(file, bytes);
        o["run"] = i + 1;
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        if (o.contains("error"))
            rc = 1;
    }
    return rc;
}
