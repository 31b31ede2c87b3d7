#include "core/media/media_files.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

namespace tidings::client {

namespace {

QString randomName() {
    quint64 v[2];
    QRandomGenerator::system()->fillRange(v, 2);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(v), sizeof(v)).toHex());
}

bool makePrivateDir(const QString &path) {
    if (!QDir().mkpath(path))
        return false;
    return QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                           QFileDevice::ExeOwner);
}

} // namespace

MediaFiles::MediaFiles(QString root)
    : m_root(QDir::cleanPath(QFileInfo(root).absoluteFilePath())) {}

bool MediaFiles::ensure() const {
    return makePrivateDir(m_root) && makePrivateDir(m_root + QStringLiteral("/files")) &&
           makePrivateDir(m_root + QStringLiteral("/tmp"));
}

QString MediaFiles::newTempPath(const QString &suffix) const {
    return m_root + QStringLiteral("/tmp/") + randomName() + suffix;
}

QString MediaFiles::newFilePath(const QString &safeName) const {
    const QString dir = m_root + QStringLiteral("/files/") + randomName();
    makePrivateDir(dir);
    return dir + u'/' + safeName;
}

bool MediaFiles::owns(const QString &path) const {
    if (path.isEmpty())
        return false;
    const QFileInfo info(path);
    // The canonical path resolves symlinks and "..": it must still be inside the folder.
    const QString canonicalRoot = QFileInfo(m_root).canonicalFilePath();
    QString canonical = info.canonicalFilePath();
    if (canonical.isEmpty()) // no such file: judge the folder it would be in
        canonical = QFileInfo(info.absolutePath()).canonicalFilePath() + u'/' + info.fileName();
    return !canonicalRoot.isEmpty() && canonical.startsWith(canonicalRoot + u'/');
}

bool MediaFiles::remove(const QString &path) const {
    if (!owns(path))
        return false;
    const QFileInfo info(path);
    const bool removed = !info.exists() || QFile::remove(path);
    // files/<random>/ holds exactly one file: drop the folder with it.
    const QDir parent = info.absoluteDir();
    if (QFileInfo(parent.absolutePath()).absolutePath() ==
        QFileInfo(m_root + QStringLiteral("/files")).absoluteFilePath())
        QDir().rmdir(parent.absolutePath());
    return removed;
}

int MediaFiles::sweepTemps(const QSet<QString> &keep) const {
    QDir tmp(m_root + QStringLiteral("/tmp"));
    int removed = 0;
    const auto entries = tmp.entryInfoList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
    for (const QFileInfo &f : entries) {
        if (!keep.contains(f.absoluteFilePath()) && QFile::remove(f.absoluteFilePath()))
            ++removed;
    }
    return removed;
}

} // namespace tidings::client
