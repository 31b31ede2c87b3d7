#include "jpeg_scan.h"

#include <QByteArray>
#include <QIODevice>

#include <optional>

namespace tidings::client::media {

namespace {

class ByteReader {
public:
    explicit ByteReader(QIODevice &device)
        : m_device(device) {}
    std::optional<quint8> next() {
        if (m_pos >= m_buffer.size()) {
            m_buffer = m_device.read(64 * 1024);
            m_pos = 0;
            if (m_buffer.isEmpty())
                return std::nullopt;
        }
        return quint8(m_buffer[m_pos++]);
    }
    bool skip(qint64 n) {
        while (n > 0) {
            if (m_pos >= m_buffer.size()) {
                m_buffer = m_device.read(64 * 1024);
                m_pos = 0;
                if (m_buffer.isEmpty())
                    return false;
            }
            const qint64 step = std::min<qint64>(n, m_buffer.size() - m_pos);
            m_pos += qsizetype(step);
            n -= step;
        }
        return true;
    }
    std::optional<int> length() {
        const auto hi = next();
        const auto lo = next();
        if (!hi || !lo)
            return std::nullopt;
        return (int(*hi) << 8) | int(*lo);
    }

private:
    QIODevice &m_device;
    QByteArray m_buffer;
    qsizetype m_pos = 0;
};

bool isStandalone(quint8 m) {
    return m == 0x01 || (m >= 0xd0 && m <= 0xd7);
}

} // namespace

bool jpegIsComplete(QIODevice &device) {
    ByteReader r(device);
    const auto b0 = r.next();
    const auto b1 = r.next();
    if (b0 != 0xff || b1 != 0xd8)
        return false;
    std::optional<quint8> pending; // a marker found while scanning entropy-coded data
    for (;;) {
        quint8 marker;
        if (pending) {
            marker = *pending;
            pending.reset();
        } else {
            auto b = r.next();
            if (b != 0xff)
                return false; // segments must follow each other directly
            do {
                b = r.next(); // fill bytes
            } while (b == 0xff);
            if (!b)
                return false;
            marker = *b;
        }
        if (marker == 0xd9)
            return true;
        if (isStandalone(marker))
            continue;
        const auto len = r.length();
        if (!len || *len < 2 || !r.skip(*len - 2))
            return false;
        if (marker != 0xda)
            continue;
        // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or RSTn inside it; any other
        // byte is the next marker.
        for (;;) {
            auto b = r.next();
            if (!b)
                return false;
            if (*b != 0xff)
                continue;
            do {
                b = r.next();
            } while (b == 0xff);
            if (!b)
                return false;
            if (*b == 0x00 || (*b >= 0xd0 && *b <= 0xd7))
                continue;
            pending = *b;
            break;
        }
    }
}

} // namespace tidings::client::media
