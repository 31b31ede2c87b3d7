#include "chat_list_panel.h"

#include "chat_actions.h"
#include "delegates/chat_list_delegate.h"
#include "delegates/search_delegate.h"
#include "models/chat_list_model.h"
#include "models/search_model.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace tidings::ui {

namespace {
QToolButton *toolButton(const QString &icon, const QString &text, QWidget *parent) {
    auto *b = new QToolButton(parent);
    b->setIcon(QIcon(icon));
    b->setIconSize(QSize(20, 20));
    b->setAutoRaise(true);
    b->setToolTip(text);
    b->setAccessibleName(text);
    return b;
}
} // namespace

ChatListPanel::ChatListPanel(ChatListModel *chats, SearchModel *search, ChatActions *actions,
                             QWidget *parent)
    : QWidget(parent)
    , m_chats(chats)
    , m_actions(actions)
    , m_searchModel(search)
    , m_search(new QLineEdit)
    , m_stack(new QStackedWidget)
    , m_list(new QListView)
    , m_results(new QListView) {
    setObjectName(QStringLiteral("chatListPanel"));
    setMinimumWidth(260);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    auto *bar = new QWidget;
    bar->setAutoFillBackground(true);
    bar->setBackgroundRole(QPalette::Base);
    auto *bl = new QHBoxLayout(bar);
    bl->setContentsMargins(10, 9, 6, 9);
    bl->setSpacing(2);
    m_search->setPlaceholderText(tr("Search (Ctrl+F)"));
    m_search->setAccessibleName(tr("Search chats and messages"));
    m_search->setClearButtonEnabled(true);
    m_search->installEventFilter(this);
    bl->addWidget(m_search, 1);
    bl->addSpacing(4);
    auto *newChat =
        toolButton(QStringLiteral(":/icons/new-chat.svg"), tr("New chat (Ctrl+N)"), bar);
    auto *newGroup =
        toolButton(QStringLiteral(":/icons/new-group.svg"), tr("New group (Ctrl+G)"), bar);
    auto *settings = toolButton(QStringLiteral(":/icons/settings.svg"), tr("Settings"), bar);
    bl->addWidget(newChat);
    bl->addWidget(newGroup);
    bl->addWidget(settings);
    layout->addWidget(bar);

    for (QListView *v : {m_list, m_results}) {
        v->setFrameShape(QFrame::NoFrame);
        v->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
        v->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        v->setMouseTracking(true);
        v->setUniformItemSizes(v == m_list);
    }
    m_list->setObjectName(QStringLiteral("chatList"));
    m_list->setAccessibleName(tr("Chats"));
    m_list->setModel(chats);
    m_list->setItemDelegate(new ChatListDelegate(m_list));
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_results->setObjectName(QStringLiteral("searchResults"));
    m_results->setAccessibleName(tr("Search results"));
    m_results->setModel(m_searchModel);
    m_results->setItemDelegate(new SearchDelegate(m_results));
    m_stack->addWidget(m_list);
    m_stack->addWidget(m_results);
    layout->addWidget(m_stack, 1);

    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(150);
    connect(&m_searchTimer, &QTimer::timeout, this, &ChatListPanel::searchNow);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        if (text.trimmed().isEmpty()) {
            m_searchTimer.stop();
            m_searchModel->setQuery(QString());
            m_stack->setCurrentWidget(m_list);
        } else {
            m_searchTimer.start();
        }
    });
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        searchNow();
        for (int i = 0; i < m_searchModel->rowCount(); ++i) {
            const QModelIndex index = m_searchModel->index(i);
            if (index.flags() & Qt::ItemIsSelectable) {
                activateResult(index);
                return;
            }
        }
    });
    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                if (!m_selecting && current.isValid())
                    emit chatActivated(
                        current.data(ChatListModel::ConversationIdRole).toULongLong(), 0);
            });
    connect(m_results, &QListView::activated, this, &ChatListPanel::activateResult);
    connect(m_results, &QListView::clicked, this, &ChatListPanel::activateResult);
    connect(m_list, &QListView::customContextMenuRequested, this, &ChatListPanel::showChatMenu);
    connect(newChat, &QToolButton::clicked, this, &ChatListPanel::newChatRequested);
    connect(newGroup, &QToolButton::clicked, this, &ChatListPanel::newGroupRequested);
    connect(settings, &QToolButton::clicked, this, &ChatListPanel::settingsRequested);
}

bool ChatListPanel::isSearching() const {
    return m_stack->currentWidget() == m_results;
}

void ChatListPanel::focusSearch() {
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

bool ChatListPanel::clearSearch() {
    if (m_search->text().isEmpty() && !isSearching())
        return false;
    m_search->clear();
    return true;
}

void ChatListPanel::searchNow() {
    m_searchTimer.stop();
    const QString query = m_search->text().trimmed();
    if (query.isEmpty())
        return;
    m_searchModel->setQuery(query);
    m_stack->setCurrentWidget(m_results);
}

void ChatListPanel::selectChat(quint64 conversationId) {
    m_selecting = true;
    const int row = m_chats->rowOf(conversationId);
    if (row >= 0)
        m_list->setCurrentIndex(m_chats->index(row));
    else
        m_list->clearSelection();
    m_selecting = false;
}

void ChatListPanel::activateResult(const QModelIndex &index) {
    const auto kind = SearchModel::Kind(index.data(SearchModel::KindRole).toInt());
    if (!index.isValid() || kind == SearchModel::Kind::Header)
        return;
    m_results->setCurrentIndex(index);
    emit chatActivated(index.data(SearchModel::ConversationIdRole).toULongLong(),
                       index.data(SearchModel::SeqRole).toULongLong());
}

bool ChatListPanel::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_search && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Down) {
            QListView *target = isSearching() ? m_results : m_list;
            target->setFocus();
            if (!target->currentIndex().isValid() && target->model()->rowCount() > 0)
                target->setCurrentIndex(target->model()->index(isSearching() ? 1 : 0, 0));
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ChatListPanel::showChatMenu(const QPoint &pos) {
    const QModelIndex index = m_list->indexAt(pos);
    if (!index.isValid())
        return;
    const quint64 id = index.data(ChatListModel::ConversationIdRole).toULongLong();
    const bool pinned = index.data(ChatListModel::PinnedRole).toBool();
    const bool muted = index.data(ChatListModel::MutedRole).toBool();
    QMenu menu(this);
    menu.addAction(pinned ? tr("Unpin chat") : tr("Pin chat"), this,
                   [this, id, pinned] { m_actions->setPinned(id, !pinned); });
    menu.addAction(muted ? tr("Unmute notifications") : tr("Mute notifications"), this,
                   [this, id, muted] { m_actions->setMuted(id, !muted); });
    if (index.data(ChatListModel::UnreadRole).toInt() > 0)
        menu.addAction(tr("Mark as read"), this, [this, id] { m_actions->markRead(id); });
    menu.exec(m_list->viewport()->mapToGlobal(pos));
}

} // namespace tidings::ui
