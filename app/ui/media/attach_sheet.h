#pragma once
// The preview sheet before files are sent (attach button, drag and drop, paste): one row per
// file with a thumbnail (decoded off the GUI thread), name and size, a "send photos as files"
// choice, a caption for the first message, Send and Cancel; Delete takes the selected file out.
// Files that cannot be sent (missing, empty, a directory) are listed with the reason and left
// out.
#include "media/media_port.h"

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace tidings::ui {

class ImageCache;

class AttachSheet : public QDialog {
    Q_OBJECT
public:
    AttachSheet(const QStringList &paths, const QString &chatTitle, QWidget *parent = nullptr);

    //! The files that will be sent, in order, with the "as files" choice applied.
    QList<OutgoingMedia> files() const;
    QString caption() const;
    void setCaption(const QString &caption);
    QLineEdit *captionEdit() const { return m_caption; }
    QListWidget *fileList() const { return m_list; }
    QCheckBox *asFilesBox() const { return m_asFiles; }
    QPushButton *sendButton() const { return m_send; }
    //! Files left out, with the reason.
    QStringList refused() const { return m_refused; }
    //! "2 files, 1.3 MB" (and what was left out).
    QString summary() const;
    //! Takes the file in `row` out of what is sent.
    void removeFile(int row);

    //! The kind a file will be sent as (by content, the name refining it).
    static Attachment::Kind kindOf(const QString &path);

signals:
    void sendRequested(const QList<tidings::ui::OutgoingMedia> &files, const QString &caption);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void updateIcons();
    void updateSummary();

    struct Entry {
        QString path;
        Attachment::Kind kind = Attachment::Kind::File;
    };
    QList<Entry> m_entries;
    QStringList m_refused;
    ImageCache *m_cache;
    QListWidget *m_list;
    QCheckBox *m_asFiles;
    QLineEdit *m_caption;
    QLabel *m_title;
    QLabel *m_summary;
    QDialogButtonBox *m_buttons;
    QPushButton *m_send = nullptr;
};

} // namespace tidings::ui
