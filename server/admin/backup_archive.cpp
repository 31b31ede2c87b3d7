#include "admin/backup_archive.h"

#include "crypto/sha256.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <array>
#include <cstring>

namespace tidings::server::backup {

namespace {

constexpr qint64 kBlock = 512;
constexpr qint64 kPiece = 1 << 20;

Error writeError(QIODevice &out) {
    return Error{ErrorCode::Storage,
                 QStringLiteral("writing the backup failed: %1").arg(out.errorString())};
}

//! An octal field of `width` bytes (NUL-terminated); sizes that do not fit in 11 octal digits
//! use GNU tar's base-256 form (high bit set, big-endian).
void putNumber(char *field, int width, quint64 value) {
    const quint64 maxOctal = (quint64(1) << (3 * (width - 1))) - 1;
    if (value <= maxOctal) {
        std::snprintf(field, size_t(width), "%0*llo", width - 1,
                      static_cast<unsigned long long>(value));
        return;
    }
    std::memset(field, 0, size_t(width));
    field[0] = char(0x80);
    for (int i = width - 1; i > 0 && value; --i, value >>= 8)
        field[i] = char(value & 0xff);
}

std::optional<quint64> getNumber(const char *field, int width) {
    if (static_cast<unsigned char>(field[0]) == 0x80) {
        quint64 v = 0;
        for (int i = 1; i < width; ++i) {
            if (v >> 56)
                return std::nullopt;
            v = (v << 8) | static_cast<unsigned char>(field[i]);
        }
        return v;
    }
    quint64 v = 0;
    int i = 0;
    while (i < width && field[i] == ' ')
        ++i;
    bool any = false;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
        if (v >> 60)
            return std::nullopt;
        v = v * 8 + quint64(field[i] - '0');
        any = true;
    }
    if (!any)
        return std::nullopt;
    for (; i < width; ++i)
        if (field[i] != ' ' && field[i] != '\0')
            return std::nullopt;
    return v;
}

quint64 checksumOf(const char *block) {
    quint64 sum = 0;
    for (int i = 0; i < kBlock; ++i)
        sum += (i >= 148 && i < 156) ? quint64(' ') : static_cast<unsigned char>(block[i]);
    return sum;
}

} // namespace

Error damaged(const QString &what) {
    return Error{ErrorCode::BadBackup,
                 QStringLiteral("this is not a whole Tidings backup (%1): it may be truncated or "
                                "damaged; use another copy")
                     .arg(what)};
}

MemberChain::MemberChain()
    : m_digest(32, '\0') {} // the chain starts from 32 zero bytes

void MemberChain::add(const QString &name, quint64 size, const QByteArray &sha) {
    m_digest = crypto::Sha256::hash(m_digest + name.toUtf8() + '\0' + QByteArray::number(size) +
                                    '\0' + sha);
    ++m_members;
    m_bytes += size;
}

// ---------------------------------------------------------------------------------------------

TarWriter::TarWriter(QIODevice &out, qint64 mtime)
    : m_out(out)
    , m_mtime(std::max<qint64>(mtime, 0)) {}

Status TarWriter::write(const char *data, qint64 size) {
    if (m_out.write(data, size) != size)
        return writeError(m_out);
    m_written += quint64(size);
    return {};
}

Status TarWriter::pad(quint64 size) {
    static const std::array<char, kBlock> zeros{};
    const qint64 rest = qint64(size % kBlock);
    return rest ? write(zeros.data(), kBlock - rest) : Status{};
}

Status TarWriter::header(const QString &name, quint64 size) {
    std::array<char, kBlock> h{};
    const QByteArray n = name.toUtf8();
    // ustar: a name of up to 100 bytes, or a prefix of up to 155 and a name of up to 100 split
    // at a '/'. Every name this server writes fits; anything else is a programming error.
    QByteArray prefix, base = n;
    if (n.size() > 100) {
        const qsizetype cut = n.lastIndexOf('/', 155);
        if (cut <= 0 || n.size() - cut - 1 > 100)
            return Error{ErrorCode::Internal, QStringLiteral("name too long for the archive")};
        prefix = n.left(cut);
        base = n.mid(cut + 1);
    }
    std::memcpy(h.data(), base.constData(), size_t(base.size()));
    putNumber(h.data() + 100, 8, 0600);
    putNumber(h.data() + 108, 8, 0);
    putNumber(h.data() + 116, 8, 0);
    putNumber(h.data() + 124, 12, size);
    putNumber(h.data() + 136, 12, quint64(m_mtime));
    h[156] = '0';
    std::memcpy(h.data() + 257, "ustar", 6);
    std::memcpy(h.data() + 263, "00", 2);
    std::memcpy(h.data() + 345, prefix.constData(), size_t(prefix.size()));
    std::snprintf(h.data() + 148, 8, "%06llo",
                  static_cast<unsigned long long>(checksumOf(h.data())));
    h[155] = ' ';
    return write(h.data(), kBlock);
}

Status TarWriter::addBytes(const QString &name, const QByteArray &content) {
    if (auto s = header(name, quint64(content.size())); !s)
        return s;
    if (auto s = write(content.constData(), content.size()); !s)
        return s;
    m_chain.add(name, quint64(content.size()), crypto::Sha256::hash(content));
    return pad(quint64(content.size()));
}

Status TarWriter::addFile(const QString &name, const QString &path) {
    QFile in(path);
    if (!in.open(QIODevice::ReadOnly))
        return Error{ErrorCode::Storage,
                     QStringLiteral("cannot read %1: %2").arg(path, in.errorString())};
    const quint64 size = quint64(in.size());
    if (auto s = header(name, size); !s)
        return s;
    crypto::Sha256 hash;
    QByteArray piece(qsizetype(std::min<quint64>(size, kPiece)), Qt::Uninitialized);
    quint64 left = size;
    while (left > 0) {
        const qint64 n = in.read(piece.data(), qint64(std::min<quint64>(left, kPiece)));
        if (n <= 0)
            return Error{ErrorCode::Storage,
                         QStringLiteral("%1 changed while it was backed up").arg(path)};
        hash.update(piece.constData(), std::size_t(n));
        if (auto s = write(piece.constData(), n); !s)
            return s;
        left -= quint64(n);
    }
    m_chain.add(name, size, hash.final());
    return pad(size);
}

Status TarWriter::finish(const QJsonObject &extra) {
    QJsonObject end = extra;
    end.insert("members", double(m_chain.members()));
    end.insert("bytes", double(m_chain.bytes()));
    end.insert("chain_sha256", QString::fromLatin1(m_chain.digest().toHex()));
    if (auto s = addBytes(kEnd, QJsonDocument(end).toJson(QJsonDocument::Compact)); !s)
        return s;
    static const std::array<char, 2 * kBlock> zeros{};
    return write(zeros.data(), zeros.size());
}

// ---------------------------------------------------------------------------------------------

TarReader::TarReader(QIODevice &in)
    : m_in(in) {}

Status TarReader::readExactly(char *data, qint64 size) {
    while (size > 0) {
        const qint64 n = m_in.read(data, size);
        if (n <= 0)
            return damaged(QStringLiteral("the file ends early"));
        data += n;
        size -= n;
    }
    return {};
}

Result<std::optional<TarEntry>> TarReader::next() {
    if (!m_contentRead) {
        // Skipped content still counts: the chain covers every member.
        if (auto s = readContent([](const char *, qint64) { return Status{}; }); !s)
            return s.error();
    }
    std::array<char, kBlock> h{};
    if (auto s = readExactly(h.data(), kBlock); !s)
        return s.error();
    if (std::all_of(h.begin(), h.end(), [](char c) { return c == 0; }))
        return std::optional<TarEntry>{};
    const auto sum = getNumber(h.data() + 148, 8);
    if (!sum || *sum != checksumOf(h.data()))
        return damaged(QStringLiteral("a damaged header"));
    const auto size = getNumber(h.data() + 124, 12);
    if (!size)
        return damaged(QStringLiteral("a damaged size"));
    TarEntry e;
    const QByteArray base(h.data(), qsizetype(strnlen(h.data(), 100)));
    const QByteArray prefix(h.data() + 345, qsizetype(strnlen(h.data() + 345, 155)));
    e.name = QString::fromUtf8(prefix.isEmpty() ? base : prefix + '/' + base);
    e.size = *size;
    e.regularFile = h[156] == '0' || h[156] == '\0';
    m_current = e;
    m_contentRead = false;
    return std::optional<TarEntry>(e);
}

Status TarReader::readContent(const std::function<Status(const char *, qint64)> &sink) {
    if (!m_current || m_contentRead)
        return Error{ErrorCode::Internal, QStringLiteral("no member to read")};
    m_contentRead = true;
    crypto::Sha256 hash;
    // A piece as large as the member at most (the padding needs a block); most members are small.
    QByteArray piece(qsizetype(std::min<quint64>(m_current->size, kPiece) + kBlock),
                     Qt::Uninitialized);
    quint64 left = m_current->size;
    while (left > 0) {
        const qint64 n = qint64(std::min<quint64>(left, kPiece));
        if (auto s = readExactly(piece.data(), n); !s)
            return s;
        hash.update(piece.constData(), std::size_t(n));
        if (auto s = sink(piece.constData(), n); !s)
            return s;
        left -= quint64(n);
    }
    const qint64 rest = qint64(m_current->size % kBlock);
    if (rest)
        if (auto s = readExactly(piece.data(), kBlock - rest); !s)
            return s;
    m_lastSha = hash.final();
    // end.json is checked against the chain of the members before it, so it is not in it.
    if (m_current->name != kEnd)
        m_chain.add(m_current->name, m_current->size, m_lastSha);
    return {};
}

Result<QByteArray> TarReader::readAll(qint64 limit) {
    if (!m_current)
        return Error{ErrorCode::Internal, QStringLiteral("no member to read")};
    if (m_current->size > quint64(limit))
        return damaged(QStringLiteral("%1 is %2 bytes").arg(m_current->name).arg(m_current->size));
    QByteArray all;
    all.reserve(qsizetype(m_current->size));
    if (auto s = readContent([&all](const char *d, qint64 n) {
            all.append(d, n);
            return Status{};
        });
        !s)
        return s.error();
    return all;
}

} // namespace tidings::server::backup
