#include "quick_switcher.h"

#include "delegates/chat_list_delegate.h"
#include "models/chat_list_model.h"

#include <QKeyEvent>
#include <QLineEdit>
#include <QListView>
#include <QSortFilterProxyModel>
#include <QVBoxLayout>

namespace tidings::ui {

QuickSwitcher::QuickSwitcher(ChatListModel *chats, QWidget *parent)
    : QDialog(parent)
    , m_filter(new QLineEdit)
    , m_list(new QListView)
    , m_proxy(new QSortFilterProxyModel(this)) {
    setWindowTitle(tr("Go to chat"));
    setAccessibleName(tr("Go to chat"));
    resize(420, 420);
    auto *layout = new QVBoxLayout(this);
    m_filter->setPlaceholderText(tr("Type a chat name…"));
    m_filter->setAccessibleName(tr("Chat name"));
    m_filter->installEventFilter(this);
    layout->addWidget(m_filter);
    m_proxy->setSourceModel(chats);
    m_proxy->setFilterRole(ChatListModel::TitleRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_list->setModel(m_proxy);
    m_list->setItemDelegate(new ChatListDelegate(m_list));
    m_list->setAccessibleName(tr("Chats"));
    m_list->setFrameShape(QFrame::NoFrame);
    layout->addWidget(m_list, 1);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterFixedString(text.trimmed());
        if (m_proxy->rowCount() > 0)
            m_list->setCurrentIndex(m_proxy->index(0, 0));
    });
    connect(m_filter, &QLineEdit::returnPressed, this, [this] { choose(m_list->currentIndex()); });
    connect(m_list, &QListView::activated, this, &QuickSwitcher::choose);
    connect(m_list, &QListView::clicked, this, &QuickSwitcher::choose);
    if (m_proxy->rowCount() > 0)
        m_list->setCurrentIndex(m_proxy->index(0, 0));
}

bool QuickSwitcher::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_filter && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Down || key == Qt::Key_Up) {
            const int row = m_list->currentIndex().row() + (key == Qt::Key_Down ? 1 : -1);
            if (row >= 0 && row < m_proxy->rowCount())
                m_list->setCurrentIndex(m_proxy->index(row, 0));
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

void QuickSwitcher::choose(const QModelIndex &index) {
    if (!index.isValid())
        return;
    emit chatChosen(index.data(ChatListModel::ConversationIdRole).toULongLong());
    accept();
}

} // namespace tidings::ui
