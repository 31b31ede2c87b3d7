// libFuzzer target for the backup archive reader (server/admin/backup_archive.h), which restore
// runs over a file an admin hands it. The first input byte picks the mode:
//   even  the rest is an archive: read every member's header and content to the end
//   odd   the rest is split into members (at 0xff bytes) that TarWriter writes and TarReader
//         reads back
// Checked: a refusal is BAD_BACKUP with a reason, never anything else; members are never read
// past the input (the sizes a header claims are not allocated: readAll is bounded); what the
// writer wrote reads back as the same names, contents and chain, and its end.json matches.
// Built with -fsanitize=fuzzer,address,undefined under clang, or linked with replay_main.cpp
// (corpus replay plus deterministic mutations) under any compiler; see tests/fuzz/README.md.
#include "admin/backup_archive.h"

#include <QBuffer>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace tidings;
using namespace tidings::server::backup;

namespace {

[[noreturn]] void fail(const char *what) {
    std::fprintf(stderr, "fuzz_backup_archive: %s\n", what);
    std::abort();
}

void checkRefusal(const Error &e) {
    if (e.code != ErrorCode::BadBackup || e.detail.isEmpty())
        fail("a refusal that is not BAD_BACKUP with a reason");
}

void readArchive(const QByteArray &bytes) {
    QBuffer in;
    in.setData(bytes);
    (void)in.open(QIODevice::ReadOnly);
    TarReader tar(in);
    quint64 total = 0;
    for (int members = 0; members < 10000; ++members) {
        auto e = tar.next();
        if (!e)
            return checkRefusal(e.error());
        if (!*e)
            return;
        if ((*e)->name.endsWith(QLatin1String(".json"))) {
            auto all = tar.readAll(kMaxJsonBytes);
            if (!all)
                return checkRefusal(all.error());
            total += quint64(all->size());
        } else {
            quint64 got = 0;
            const Status s = tar.readContent([&got](const char *, qint64 n) {
                got += quint64(n);
                return Status{};
            });
            if (!s)
                return checkRefusal(s.error());
            if (got != (*e)->size)
                fail("a member read to its end is not its size");
            total += got;
        }
        if (total > quint64(bytes.size()))
            fail("read more content than the input holds");
    }
}

void roundTrip(const QByteArray &bytes) {
    const QList<QByteArray> contents = bytes.split('\xff');
    QBuffer out;
    (void)out.open(QIODevice::WriteOnly);
    TarWriter writer(out, 1700000000);
    QStringList names;
    for (int i = 0; i < contents.size() && i < 64; ++i) {
        // Names of every length the ustar header takes, split into prefix and name past 100.
        const QString name = kRoot + QStringLiteral("m%1/").arg(i) +
                             QString(contents[i].size() % 100, QLatin1Char('x'));
        names << name;
        if (!writer.addBytes(name, contents[i]))
            fail("the writer refused a member");
    }
    if (!writer.finish())
        fail("the writer did not finish");
    out.close();
    QBuffer in;
    in.setData(out.data());
    (void)in.open(QIODevice::ReadOnly);
    TarReader reader(in);
    for (int i = 0; i < names.size(); ++i) {
        auto e = reader.next();
        if (!e || !*e || (*e)->name != names[i])
            fail("a written member does not read back by its name");
        auto content = reader.readAll(1 << 20);
        if (!content || *content != contents[i])
            fail("a written member does not read back as written");
    }
    auto end = reader.next();
    if (!end || !*end || (*end)->name != kEnd)
        fail("no end.json after the members");
    auto endJson = reader.readAll(kMaxJsonBytes);
    if (!endJson)
        fail("end.json does not read");
    const QJsonObject o = QJsonDocument::fromJson(*endJson).object();
    if (o.value("chain_sha256").toString() !=
            QString::fromLatin1(reader.chain().digest().toHex()) ||
        quint64(o.value("members").toDouble()) != reader.chain().members())
        fail("end.json does not match the chain read back");
    auto last = reader.next();
    if (!last || *last)
        fail("the archive does not end after end.json");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    const QByteArray rest(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    if (data[0] % 2 == 0)
        readArchive(rest);
    else
        roundTrip(rest);
    return 0;
}
