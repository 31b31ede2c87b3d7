#include "file_naming.h"

#include <QMimeDatabase>

namespace tidings::client::media {

namespace {

bool isDropped(char32_t u) {
    const QChar::Category c = QChar::category(u);
    // Cc: C0/C1 controls; Cf: bidi overrides and isolates, LRM/RLM, ZWSP/ZWJ, BOM...
    // Cs/Co/Cn: lone surrogates, private use, unassigned.
    return c == QChar::Other_Control || c == QChar::Other_Format || c == QChar::Other_Surrogate ||
           c == QChar::Other_NotAssigned || c == QChar::Other_PrivateUse || u == 0x2028 ||
           u == 0x2029; // line and paragraph separators
}

bool isReplaced(char32_t u) {
    switch (u) {
    case '<':
    case '>':
    case ':':
    case '"':
    case '|':
    case '?':
    case '*':
        return true;
    default:
        return false;
    }
}

bool isReservedDeviceName(const QString &base) {
    static const QStringList reserved = {"CON", "PRN", "AUX", "NUL"};
    const QString upper = base.toUpper();
    if (reserved.contains(upper))
        return true;
    return upper.size() == 4 && (upper.startsWith("COM") || upper.startsWith("LPT")) &&
           upper[3] >= QLatin1Char('0') && upper[3] <= QLatin1Char('9');
}

// Cuts whole code points off the end until the UTF-8 form fits.
QString truncateUtf8(const QString &s, int maxBytes) {
    QString out = s;
    while (!out.isEmpty() && out.toUtf8().size() > maxBytes) {
        out.chop(1);
        if (!out.isEmpty() && out.back().isHighSurrogate())
            out.chop(1);
    }
    return out;
}

} // namespace

QString safeFileName(const QString &raw) {
    QString name = raw;
    const qsizetype slash =
        std::max(name.lastIndexOf(QLatin1Char('/')), name.lastIndexOf(QLatin1Char('\\')));
    if (slash >= 0)
        name = name.mid(slash + 1);

    QString clean;
    clean.reserve(name.size());
    for (char32_t u : name.toUcs4()) {
        if (isDropped(u))
            continue;
        if (isReplaced(u)) {
            clean += QLatin1Char('_');
            continue;
        }
        if (QChar::isSpace(u)) {
            clean += QLatin1Char(' '); // tabs, NBSP and friends become plain spaces
            continue;
        }
        clean += QString::fromUcs4(&u, 1);
    }
    clean = clean.simplified();
    // No hidden files, no "." or "..", nothing Windows would silently strip: dots and spaces off
    // both ends together (a dot behind a space, ". .exe", would lead once the space is gone).
    const auto strippable = [](QChar c) { return c == u'.' || c == u' '; };
    while (!clean.isEmpty() && strippable(clean.front()))
        clean.remove(0, 1);
    while (!clean.isEmpty() && strippable(clean.back()))
        clean.chop(1);
    if (clean.isEmpty())
        return QStringLiteral("file");

    QString base = clean;
    QString ext;
    const qsizetype dot = clean.lastIndexOf(QLatin1Char('.'));
    if (dot > 0 && clean.size() - dot - 1 <= 16) {
        base = clean.left(dot);
        ext = clean.mid(dot); // with the dot
    }
    if (isReservedDeviceName(base))
        base.prepend(QLatin1Char('_'));
    const int extBytes = int(ext.toUtf8().size());
    base = truncateUtf8(base, kMaxFileNameBytes - extBytes).trimmed();
    if (base.isEmpty())
        base = QStringLiteral("file");
    return base + ext;
}

QString detectMimeType(const QString &path) {
    static const QMimeDatabase db; // thread-safe after construction
    // Content first: a name is the sender's claim. The name only refines what the content
    // already is (text/plain → text/csv, application/zip → a .docx) or fills in when the
    // content says nothing.
    const QMimeType byContent = db.mimeTypeForFile(path, QMimeDatabase::MatchContent);
    const QMimeType byName = db.mimeTypeForFile(path, QMimeDatabase::MatchExtension);
    if (byContent.isValid() && !byContent.isDefault()) {
        if (byName.isValid() && byName.inherits(byContent.name()))
            return byName.name();
        return byContent.name();
    }
    if (byName.isValid() && !byName.isDefault())
        return byName.name();
    return QStringLiteral("application/octet-stream");
}

AttachmentKind kindForMimeType(const QString &mimeType, bool voiceNote) {
    if (voiceNote)
        return AttachmentKind::Voice;
    // Animated and vector formats go as files: a photo is a still, re-encoded raster image.
    if (mimeType == QLatin1String("image/jpeg") || mimeType == QLatin1String("image/png") ||
        mimeType == QLatin1String("image/webp") || mimeType == QLatin1String("image/bmp") ||
        mimeType == QLatin1String("image/tiff"))
        return AttachmentKind::Image;
    if (mimeType.startsWith(QLatin1String("video/")))
        return AttachmentKind::Video;
    if (mimeType.startsWith(QLatin1String("audio/")))
        return AttachmentKind::Audio;
    return AttachmentKind::File;
}

} // namespace tidings::client::media
