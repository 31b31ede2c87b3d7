#include "conversation_view.h"

#include "chat_actions.h"
#include "chat_events.h"
#include "delegates/message_delegate.h"
#include "dialogs/message_info_dialog.h"
#include "dialogs/safety_number_dialog.h"
#include "look.h"
#include "media/image_viewer.h"
#include "models/chat_list_model.h"
#include "models/chat_media_model.h"
#include "models/message_model.h"
#include "views/avatar_widget.h"
#include "views/chat_info_panel.h"
#include "views/composer.h"
#include "views/connection_banner.h"
#include "views/conversation_media.h"
#include "views/group_info_panel.h"

#include "core/account/account.h"
#include "core/keys/keys.h"
#include "core/presence/presence.h"

#include <QApplication>
#include <QClipboard>
#include <QDropEvent>
#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QMimeData>
#include <QMouseEvent>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace tidings::ui {

ConversationView::ConversationView(Deps deps, QWidget *parent)
    : QWidget(parent)
    , m_deps(deps)
    , m_chats(deps.chats)
    , m_model(deps.messages)
    , m_stack(new QStackedWidget(this))
    , m_avatar(new AvatarWidget(38))
    , m_title(new QLabel)
    , m_subtitle(new QLabel)
    , m_infoButton(new QToolButton)
    , m_menuButton(new QToolButton)
    , m_banner(new ConnectionBanner(deps.connection, deps.messaging, deps.account))
    , m_list(new QListView)
    , m_composer(new Composer)
    , m_info(new GroupInfoPanel(deps.groups, deps.keys, deps.account, deps.events))
    , m_media(nullptr)
    , m_side(nullptr)
    , m_identityBanner(new QWidget)
    , m_identityText(new QLabel)
    , m_acknowledge(new QPushButton(tr("Acknowledge"))) {
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_stack);

    auto *empty = new QLabel(tr("Choose a chat on the left, or start a new one with Ctrl+N."));
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    empty->setForegroundRole(QPalette::PlaceholderText);
    m_stack->addWidget(empty);

    auto *page = new QWidget;
    auto *column = new QVBoxLayout(page);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);

    auto *header = new QWidget;
    header->setObjectName(QStringLiteral("conversationHeader"));
    header->setAutoFillBackground(true);
    header->setBackgroundRole(QPalette::Base);
    auto *hl = new QHBoxLayout(header);
    hl->setContentsMargins(14, 8, 10, 8);
    hl->setSpacing(10);
    hl->addWidget(m_avatar);
    auto *names = new QVBoxLayout;
    names->setSpacing(0);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.1);
    m_title->setFont(titleFont);
    m_title->setAccessibleName(tr("Chat name"));
    m_subtitle->setAccessibleName(tr("Presence"));
    m_subtitle->setForegroundRole(QPalette::PlaceholderText);
    names->addWidget(m_title);
    names->addWidget(m_subtitle);
    hl->addLayout(names, 1);
    m_infoButton->setIcon(QIcon(QStringLiteral(":/icons/info.svg")));
    m_infoButton->setAutoRaise(true);
    m_infoButton->setCheckable(true);
    m_infoButton->setToolTip(tr("Chat info"));
    m_infoButton->setAccessibleName(tr("Chat info"));
    m_menuButton->setIcon(QIcon(QStringLiteral(":/icons/menu.svg")));
    m_menuButton->setAutoRaise(true);
    m_menuButton->setToolTip(tr("Chat options"));
    m_menuButton->setAccessibleName(tr("Chat options"));
    hl->addWidget(m_infoButton);
    hl->addWidget(m_menuButton);
    column->addWidget(header);
    column->addWidget(m_banner);
    {
        m_identityBanner->setObjectName(QStringLiteral("identityBanner"));
        m_identityBanner->setAutoFillBackground(true);
        m_identityBanner->setBackgroundRole(QPalette::AlternateBase);
        auto *bl = new QHBoxLayout(m_identityBanner);
        bl->setContentsMargins(14, 6, 10, 6);
        m_identityText->setWordWrap(true);
        m_identityText->setAccessibleName(tr("Security code changed"));
        bl->addWidget(m_identityText, 1);
        auto *verify = new QPushButton(tr("Verify…"));
        verify->setAccessibleName(tr("Verify security code"));
        connect(verify, &QPushButton::clicked, this, &ConversationView::showSafetyNumber);
        bl->addWidget(verify);
        m_acknowledge->setAccessibleName(tr("Acknowledge the new security code"));
        connect(m_acknowledge, &QPushButton::clicked, this, &ConversationView::acknowledgeIdentity);
        bl->addWidget(m_acknowledge);
        m_identityBanner->hide();
        column->addWidget(m_identityBanner);
    }

    auto *split = new QSplitter(Qt::Horizontal);
    split->setChildrenCollapsible(false);
    auto *chatColumn = new QWidget;
    auto *cl = new QVBoxLayout(chatColumn);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->setSpacing(0);
    m_list->setObjectName(QStringLiteral("messageList"));
    m_list->setAccessibleName(tr("Messages"));
    m_list->setModel(m_model);
    m_delegate = new MessageDelegate(m_list);
    m_list->setItemDelegate(m_delegate);
    if (deps.media)
        m_model->setMediaPort(deps.media);
    m_media = new ConversationMedia(m_model, m_list, m_delegate, m_composer, this);
    m_composer->setMediaEnabled(m_media->isAvailable());
    m_list->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_list->verticalScrollBar()->setSingleStep(24);
    m_list->setResizeMode(QListView::Adjust);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setFrameShape(QFrame::NoFrame);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    QPalette lp = m_list->palette();
    lp.setColor(QPalette::Base, Colors::from(palette()).background);
    m_list->setPalette(lp);
    cl->addWidget(m_list, 1);
    m_composer->setBackgroundRole(QPalette::Base);
    cl->addWidget(m_composer);
    split->addWidget(chatColumn);
    m_side = new ChatInfoPanel(m_info, deps.messageStore, deps.media, m_media->images());
    split->addWidget(m_side);
    split->setStretchFactor(0, 1);
    m_side->hide();
    connect(m_side, &ChatInfoPanel::messageActivated, this, &ConversationView::openFromPanel);
    connect(m_side, &ChatInfoPanel::photoActivated, this, &ConversationView::openPhotoFromPanel);
    column->addWidget(split, 1);
    m_stack->addWidget(page);

    connect(deps.events, &ChatEvents::chatChanged, this, &ConversationView::onChatChanged);
    connect(m_list->verticalScrollBar(), &QScrollBar::valueChanged, this,
            &ConversationView::onScroll);
    connect(m_list, &QListView::customContextMenuRequested, this,
            &ConversationView::showContextMenu);
    connect(m_list, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        if (m_model->attachmentsAt(index.row()).isEmpty())
            showMessageInfo(index.row());
    });
    connect(m_composer, &Composer::sendRequested, this, &ConversationView::send);
    connect(m_media, &ConversationMedia::sent, this, [this] {
        m_deps.events->announce(conversationId());
        m_banner->refresh();
        scrollToBottomSoon();
    });
    connect(m_media, &ConversationMedia::error, m_composer, &Composer::showError);
    connect(m_composer, &Composer::draftChanged, this, [this](const QString &text) {
        if (conversationId())
            m_deps.actions->saveDraft(conversationId(), text);
    });
    connect(m_composer, &Composer::typingChanged, this, [this](bool typing) {
        if (conversationId())
            m_deps.presence->setTyping(conversationId(), typing);
    });
    connect(m_infoButton, &QToolButton::toggled, this, &ConversationView::setInfoVisible);
    connect(m_menuButton, &QToolButton::clicked, this, &ConversationView::showChatMenu);
    connect(deps.presence, &client::Presence::presenceChanged, this,
            [this](const client::PresenceInfo &p) {
                m_presence.insert(p.username, p);
                updateHeader();
            });
    connect(deps.keys, &client::Keys::identityChanged, this, [this] { updateIdentityBanner(); });
    connect(deps.keys, &client::Keys::identityAcknowledged, this,
            [this] { updateIdentityBanner(); });
    connect(deps.keys, &client::Keys::securityNoticesAdded, this,
            [this](const QList<quint64> &conversations) {
                // The notice appears in the open chat at once, in its place.
                if (conversations.contains(conversationId()))
                    m_model->refresh();
            });
    connect(deps.presence, &client::Presence::typingChanged, this,
            [this](const client::TypingEvent &e) {
                if (e.conversationId == conversationId())
                    updateHeader();
            });
    auto *minute = new QTimer(this); // "last seen" and day labels age
    minute->start(60 * 1000);
    connect(minute, &QTimer::timeout, this, &ConversationView::updateHeader);
}

quint64 ConversationView::conversationId() const {
    return m_model->conversationId();
}

QString ConversationView::title() const {
    return m_title->text();
}

QString ConversationView::subtitle() const {
    return m_subtitle->text();
}

void ConversationView::openChat(quint64 conversationId, quint64 seq) {
    if (conversationId == 0) {
        closeChat();
        return;
    }
    if (this->conversationId() && this->conversationId() != conversationId) {
        m_deps.actions->saveDraft(this->conversationId(), m_composer->text());
        m_deps.presence->setTyping(this->conversationId(), false);
    }
    if (this->conversationId() != conversationId) {
        m_media->stopPlayback();
        m_composer->cancelRecording();
    }
    m_model->open(conversationId, seq);
    m_delegate->setShowSenders(m_model->conversation().isGroup());
    m_stack->setCurrentIndex(1);
    m_composer->setTextSilently(m_deps.actions->draft(conversationId));
    m_composer->setEnabled(!m_model->conversation().isGroup() || m_model->conversation().isMember);
    const auto &conv = m_model->conversation();
    if (!conv.isGroup() && !conv.peerUsername.isEmpty())
        // The answer carries the current state (pushes only report changes after it).
        m_deps.presence->subscribe({conv.peerUsername}, [self = QPointer<ConversationView>(this)](
                                                            Result<QList<client::PresenceInfo>> r) {
            if (!self || !r)
                return;
            for (const auto &p : *r)
                self->m_presence.insert(p.username, p);
            self->updateHeader();
        });
    const bool panel = conv.isGroup() || m_media->isAvailable();
    m_infoButton->setVisible(panel);
    setInfoVisible(panel && m_side->isVisible());
    updateHeader();
    m_banner->refresh();
    updateIdentityBanner();
    m_list->doItemsLayout();
    int target = seq ? m_model->rowOfSeq(seq) : m_model->unreadDividerRow();
    if (seq && target >= 0) {
        m_list->setCurrentIndex(m_model->index(target));
        m_list->scrollTo(m_model->index(target), QAbstractItemView::PositionAtCenter);
    } else if (target >= 0) {
        m_list->scrollTo(m_model->index(target), QAbstractItemView::PositionAtTop);
    } else {
        m_list->scrollToBottom();
    }
    m_composer->focusEditor();
    maybeMarkRead();
}

void ConversationView::closeChat() {
    m_media->stopPlayback();
    m_composer->cancelRecording();
    if (conversationId())
        m_deps.actions->saveDraft(conversationId(), m_composer->text());
    m_model->clear();
    m_stack->setCurrentIndex(0);
}

bool ConversationView::isAtBottom() const {
    if (m_model->hasNewer())
        return false;
    const QScrollBar *bar = m_list->verticalScrollBar();
    return bar->value() >= bar->maximum() - 4;
}

void ConversationView::scrollToBottomSoon() {
    if (m_model->hasNewer()) // the window is back in history: the newest page instead
        m_model->open(conversationId());
    m_list->doItemsLayout();
    m_list->scrollToBottom();
}

void ConversationView::onChatChanged(quint64 conversationId) {
    if (conversationId != this->conversationId())
        return;
    const bool atBottom = isAtBottom();
    const int before = m_model->rowCount();
    m_model->refresh();
    if (m_side->isVisible() && m_model->rowCount() != before)
        m_side->refresh();
    m_delegate->setShowSenders(m_model->conversation().isGroup());
    updateHeader();
    m_banner->refresh();
    if (m_model->rowCount() != before && atBottom)
        scrollToBottomSoon();
    maybeMarkRead();
}

ConversationView::Anchor ConversationView::topAnchor() const {
    // The first message row at or below the top edge of the viewport, and where it is.
    const QModelIndex top = m_list->indexAt(QPoint(m_list->viewport()->width() / 2, 1));
    for (int row = top.isValid() ? top.row() : 0; row < m_model->rowCount(); ++row) {
        const qint64 rowId = m_model->index(row).data(MessageModel::RowIdRole).toLongLong();
        if (rowId != 0)
            return Anchor{rowId, m_list->visualRect(m_model->index(row)).top()};
    }
    return {};
}

void ConversationView::restoreAnchor(const Anchor &anchor) {
    QScrollBar *bar = m_list->verticalScrollBar();
    const int row = anchor.rowId ? m_model->rowOfRowId(anchor.rowId) : -1;
    if (row < 0)
        return;
    bar->setValue(bar->value() + m_list->visualRect(m_model->index(row)).top() - anchor.top);
}

void ConversationView::onScroll(int value) {
    if (m_loadingOlder)
        return;
    QScrollBar *bar = m_list->verticalScrollBar();
    const bool older = value <= 300 && m_model->hasOlder();
    const bool newer = !older && value >= bar->maximum() - 300 && m_model->hasNewer();
    if (older || newer) {
        m_loadingOlder = true;
        // The model is a window: a page at one end drops rows at the other, so the position is
        // kept by the message at the top of the viewport, not by the distance to an end.
        const Anchor anchor = topAnchor();
        // At the very top (the thumb dragged up) the user is heading far back: a bigger page,
        // so reaching old history takes fewer loads. Not much bigger: every new row is a text
        // layout (and a decryption), and a 300-row page stalled ~60 ms on a loaded machine.
        const int page = value == 0 || value == bar->maximum() ? 2 * MessageModel::kPageSize
                                                               : MessageModel::kPageSize;
        if ((older ? m_model->loadOlder(page) : m_model->loadNewer(page)) > 0) {
            m_list->doItemsLayout();
            restoreAnchor(anchor);
        }
        m_loadingOlder = false;
    }
    if (isAtBottom())
        maybeMarkRead();
}

void ConversationView::maybeMarkRead() {
    if (!conversationId() || !window()->isActiveWindow() || !isVisible())
        return;
    m_deps.actions->markRead(conversationId());
}

void ConversationView::changeEvent(QEvent *event) {
    if (event->type() == QEvent::ActivationChange)
        maybeMarkRead();
    if (event->type() == QEvent::PaletteChange) {
        QPalette lp = m_list->palette();
        lp.setColor(QPalette::Base, Colors::from(palette()).background);
        m_list->setPalette(lp);
    }
    QWidget::changeEvent(event);
}

void ConversationView::updateHeader() {
    if (!conversationId())
        return;
    const auto &conv = m_model->conversation();
    const QString title = m_chats->titleOf(conversationId());
    m_title->setText(title.isEmpty() ? conv.peerUsername : title);
    m_avatar->set(m_title->text(), conv.isGroup() || !conv.peerUserId ? conv.id : conv.peerUserId);
    const auto typers = m_deps.presence->typers(conversationId());
    QString sub;
    if (!typers.isEmpty()) {
        if (!conv.isGroup())
            sub = tr("typing…");
        else if (typers.size() == 1)
            sub = tr("%1 is typing…").arg(typers.first().username);
        else
            sub = tr("%n people are typing…", nullptr, int(typers.size()));
    } else if (conv.isGroup()) {
        sub = conv.isMember ? tr("%n members", nullptr, m_model->memberCount())
                            : tr("You are no longer a member");
    } else if (auto it = m_presence.constFind(conv.peerUsername);
               it != m_presence.constEnd() && it->visible) {
        sub = it->online ? tr("online") : lastSeenText(it->lastSeenMs);
    }
    m_subtitle->setText(sub);
    m_subtitle->setVisible(!sub.isEmpty());
    QPalette p = m_subtitle->palette();
    p.setColor(QPalette::WindowText, !typers.isEmpty() || sub == tr("online")
                                         ? Colors::from(palette()).accent
                                         : Colors::from(palette()).secondaryText);
    m_subtitle->setPalette(p);
}

void ConversationView::send(const QString &text) {
    if (!conversationId())
        return;
    auto id = m_deps.actions->sendText(conversationId(), text);
    if (!id)
        return;
    m_banner->refresh();
    scrollToBottomSoon();
}

void ConversationView::setInfoVisible(bool visible) {
    const bool group = m_model->conversation().isGroup();
    visible = visible && conversationId() && (group || m_media->isAvailable());
    if (visible && m_side->conversationId() != conversationId()) {
        if (group)
            m_info->setConversation(conversationId());
        m_side->setConversation(conversationId(), group);
        if (group)
            m_side->setCurrentWidget(m_info);
        else
            m_side->showMediaTab();
    } else if (visible && !m_side->isVisible()) {
        if (group)
            m_info->setConversation(conversationId());
        m_side->refresh();
    }
    m_side->setVisible(visible);
    if (m_infoButton->isChecked() != visible)
        m_infoButton->setChecked(visible);
}

void ConversationView::openFromPanel(quint64 seq, qint64 rowId) {
    int row = seq ? m_model->rowOfSeq(seq) : m_model->rowOfRowId(rowId);
    if (row < 0 && seq) { // not in the window: the chat around that message
        m_model->open(conversationId(), seq);
        m_list->doItemsLayout();
        row = m_model->rowOfSeq(seq);
    }
    if (row < 0)
        return;
    m_list->setCurrentIndex(m_model->index(row));
    m_list->scrollTo(m_model->index(row), QAbstractItemView::PositionAtCenter);
    m_media->activate(row);
}

void ConversationView::openPhotoFromPanel(int row) {
    ChatMediaModel *model = m_side->mediaModel();
    QList<ImageViewer::Item> items;
    QHash<quint64, quint64> seqs;
    int current = 0;
    for (int r = 0; r < model->rowCount(); ++r) {
        const QModelIndex i = model->index(r);
        const Attachment a = i.data(ChatMediaModel::AttachmentRole).value<Attachment>();
        if (a.kind != Attachment::Kind::Image)
            continue;
        if (r == row)
            current = int(items.size());
        const auto id = quint64(i.data(ChatMediaModel::RowIdRole).toLongLong());
        // The panel lists newest first; the viewer goes oldest to newest like the chat.
        items.prepend({a.localPath, a.thumbnail, a.fileName, a.dimensions(), id});
        seqs.insert(id, i.data(ChatMediaModel::SeqRole).toULongLong());
    }
    m_media->openViewer(items, int(items.size()) - 1 - current, seqs);
}

bool ConversationView::closePanels() {
    if (m_composer->isRecording()) {
        m_composer->cancelRecording();
        return true;
    }
    if (m_side->isVisible()) {
        setInfoVisible(false);
        return true;
    }
    return false;
}

void ConversationView::showMessageInfo(int row) {
    const auto message = m_model->messageAt(row);
    if (message.rowId == 0 || message.event)
        return;
    auto *dialog = new MessageInfoDialog(m_model, m_deps.groups, message, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void ConversationView::showContextMenu(const QPoint &pos) {
    const QModelIndex index = m_list->indexAt(pos);
    const auto message = m_model->messageAt(index.row());
    if (message.rowId == 0 || message.event)
        return;
    QMenu menu(this);
    m_media->addMenuActions(&menu, index.row());
    menu.addAction(tr("Copy text"), this,
                   [text = message.text] { QApplication::clipboard()->setText(text); });
    menu.addAction(tr("Message info"), this, [this, row = index.row()] { showMessageInfo(row); });
    menu.exec(m_list->viewport()->mapToGlobal(pos));
}

void ConversationView::showChatMenu() {
    const quint64 id = conversationId();
    if (!id)
        return;
    QMenu menu(this);
    const bool pinned = m_chats->isPinned(id);
    const bool muted = m_chats->isMuted(id);
    menu.addAction(pinned ? tr("Unpin chat") : tr("Pin chat"), this,
                   [this, id, pinned] { m_deps.actions->setPinned(id, !pinned); });
    menu.addAction(muted ? tr("Unmute notifications") : tr("Mute notifications"), this,
                   [this, id, muted] { m_deps.actions->setMuted(id, !muted); });
    if (m_model->conversation().isGroup())
        menu.addAction(tr("Group info"), this, [this] { setInfoVisible(true); });
    if (m_media->isAvailable())
        menu.addAction(tr("Media, files and links"), this, [this] {
            setInfoVisible(true);
            m_side->showMediaTab();
        });
    else if (!m_model->conversation().peerUsername.isEmpty())
        menu.addAction(tr("Verify security code…"), this, &ConversationView::showSafetyNumber);
    menu.exec(m_menuButton->mapToGlobal(QPoint(0, m_menuButton->height())));
}

void ConversationView::showSafetyNumber() {
    const auto &conv = m_model->conversation();
    if (conv.isGroup() || conv.peerUsername.isEmpty())
        return;
    auto *dialog = new SafetyNumberDialog(m_deps.keys, conv.peerUsername, m_title->text(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // Marking the new code verified settles the change too.
    connect(dialog, &SafetyNumberDialog::verifiedChanged, this, [this] { updateIdentityBanner(); });
    dialog->open();
}

bool ConversationView::isIdentityBannerShown() const {
    return !m_identityBanner->isHidden();
}

QList<quint64> ConversationView::pendingIdentityChanges() const {
    const auto &conv = m_model->conversation();
    QList<quint64> out;
    if (!conversationId())
        return out;
    // One query for every pending change, not one per member of a 500-member group.
    const QSet<quint64> changed = m_deps.keys->pendingIdentityChanges();
    if (changed.isEmpty())
        return out;
    if (!conv.isGroup()) {
        if (conv.peerUserId && changed.contains(conv.peerUserId))
            out.append(conv.peerUserId);
        return out;
    }
    for (auto it = m_model->memberNames().cbegin(); it != m_model->memberNames().cend(); ++it)
        if (it.key() != m_deps.account->userId() && changed.contains(it.key()))
            out.append(it.key());
    std::sort(out.begin(), out.end());
    return out;
}

void ConversationView::updateIdentityBanner() {
    // From the keys, not from signals seen this run: the warning is there after a restart too,
    // until the change is acknowledged.
    const auto &conv = m_model->conversation();
    const QList<quint64> pending = pendingIdentityChanges();
    const bool show = !pending.isEmpty();
    if (show) {
        const bool held = m_deps.keys->holdsOnIdentityChange();
        QString who;
        if (!conv.isGroup()) {
            who = m_title->text();
        } else {
            QStringList names;
            for (quint64 id : pending)
                names << m_model->memberNames().value(id);
            who = names.join(QStringLiteral(", "));
        }
        QString text = pending.size() == 1
                           ? tr("%1's security code changed. This happens when they reinstall or "
                                "use a new account key; verify it if you want to be sure.")
                                 .arg(who)
                           : tr("The security codes of %1 changed. Verify them if you want to be "
                                "sure.")
                                 .arg(who);
        if (held)
            text += QLatin1Char(' ') + tr("Your messages here wait until you acknowledge.");
        m_identityText->setText(text);
    }
    m_acknowledge->setEnabled(true);
    m_identityBanner->setVisible(show);
}

void ConversationView::acknowledgeIdentity() {
    const QList<quint64> pending = pendingIdentityChanges();
    if (pending.isEmpty())
        return;
    m_acknowledge->setEnabled(false);
    for (quint64 userId : pending) {
        if (auto s = m_deps.keys->acknowledgeIdentityChange(userId); !s) {
            m_identityText->setText(tr("Not acknowledged: %1").arg(s.error().detail));
            m_acknowledge->setEnabled(true);
            return;
        }
    }
    updateIdentityBanner();
}

} // namespace tidings::ui
