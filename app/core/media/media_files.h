#pragma once
// The profile's media folder (0700): decrypted and sent files under files/<random>/<safe name>
// (the name a system application shows, never chosen by the sender beyond safeFileName), and
// transfer scratch files under tmp/ (encrypted blobs being uploaded, ciphertext being fetched,
// plaintext being decrypted). Nothing outside the folder is ever deleted through this class: a
// path from the store is checked to lie inside it first.
#include <QSet>
#include <QString>

namespace tidings::client {

class MediaFiles {
public:
    explicit MediaFiles(QString root);

    const QString &root() const { return m_root; }
    //! Creates the folders (0700). False when the folder cannot be made.
    bool ensure() const;
    //! A new, unused path in tmp/ ending in `suffix` (".blob", ".part").
    QString newTempPath(const QString &suffix) const;
    //! A new folder in files/ and the path of `safeName` inside it.
    QString newFilePath(const QString &safeName) const;
    //! True when `path` lies inside the media folder (no "..", no symlink out of it).
    bool owns(const QString &path) const;
    //! Deletes a file of the media folder (and its files/<random>/ folder once empty). A path
    //! outside the folder is left alone and false is returned.
    bool remove(const QString &path) const;
    //! Deletes scratch files in tmp/ that no job names (left by a crash).
    int sweepTemps(const QSet<QString> &keep) const;

private:
    QString m_root;
};

} // namespace tidings::client
