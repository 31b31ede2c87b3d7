#include "main_window.h"

#include "chat_actions.h"
#include "chat_events.h"
#include "dialogs/certificate_prompt.h"
#include "dialogs/new_chat_dialog.h"
#include "dialogs/quick_switcher.h"
#include "dialogs/settings_dialog.h"
#include "look.h"
#include "models/app_settings.h"
#include "models/chat_list_model.h"
#include "models/message_model.h"
#include "models/search_model.h"
#include "session.h"
#include "ui_logging.h"
#include "views/chat_list_panel.h"
#include "views/composer.h"
#include "views/connection_banner.h"
#include "views/conversation_view.h"
#include "views/first_run_page.h"
#include "views/link_banner.h"
#include "views/notifier.h"

#include "core/net/server_url.h"

#include "core/store/chat_list_reader.h"
#include "core/store/conversation_store.h"
#include "core/store/search_index.h"
#include "core/store/storage.h"

#include <QApplication>
#include <QCloseEvent>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListView>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace tidings::ui {

MainWindow::MainWindow(Session *session, const QString &server, QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_server(server)
    , m_client(session->client())
    , m_chats(new ChatListModel(&session->store()->chatList(), &session->store()->conversations(),
                                &m_client->account(), session->chatEvents(), this))
    , m_messages(new MessageModel(session->store(), &m_client->account(), this))
    , m_search(new SearchModel(&session->store()->search(), m_chats, this))
    , m_stack(new QStackedWidget)
    , m_firstRun(new FirstRunPage(&session->client()->account()))
    , m_linkBanner(new LinkBanner(&m_client->devices(), &m_client->keys(), &m_client->account()))
    , m_panel(new ChatListPanel(m_chats, m_search, session->chatActions()))
    , m_conversation(makeConversationView())
    , m_notifier(new Notifier(session->chatEvents(), m_chats, this)) {
    setObjectName(QStringLiteral("mainWindow"));
    setAccessibleName(tr("Tidings"));
    resize(1180, 740);
    setMinimumSize(720, 480);
    m_stack->addWidget(m_firstRun);
    auto *split = new QSplitter(Qt::Horizontal);
    split->setObjectName(QStringLiteral("mainSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(m_panel);
    split->addWidget(m_conversation);
    split->setStretchFactor(1, 1);
    split->setSizes({340, 840});
    // A device that logged in reads nothing until it is linked: the bar says so above the chats.
    auto *chatsPage = new QWidget;
    auto *chatsLayout = new QVBoxLayout(chatsPage);
    chatsLayout->setContentsMargins(0, 0, 0, 0);
    chatsLayout->setSpacing(0);
    chatsLayout->addWidget(m_linkBanner);
    chatsLayout->addWidget(split, 1);
    m_stack->addWidget(chatsPage);
    setCentralWidget(m_stack);
    m_firstRun->setServer(server);

    m_notifier->setEnabled(session->settings()->notificationsEnabled());
    connect(m_firstRun, &FirstRunPage::accountReady, this, [this] {
        m_chats->reload();
        m_linkBanner->refresh();
        showChats();
    });
    connect(m_linkBanner, &LinkBanner::linked, this, [this] { m_chats->reload(); });
    connect(m_panel, &ChatListPanel::chatActivated, this,
            [this](quint64 id, quint64 seq) { openChat(id, seq); });
    connect(m_panel, &ChatListPanel::newChatRequested, this, &MainWindow::newChat);
    connect(m_panel, &ChatListPanel::newGroupRequested, this, &MainWindow::newGroup);
    connect(m_panel, &ChatListPanel::settingsRequested, this, &MainWindow::showSettings);
    connect(m_notifier, &Notifier::openChat, this, [this](quint64 id) {
        showNormal();
        raise();
        activateWindow();
        if (id)
            openChat(id);
    });
    connect(&m_client->presence(), &client::Presence::typingChanged, this,
            [this](const client::TypingEvent &e) {
                const auto typers = m_client->presence().typers(e.conversationId);
                const bool group = m_chats->isGroup(e.conversationId);
                QString text;
                if (typers.size() == 1)
                    text = group ? tr("%1 is typing…").arg(typers.first().username) : tr("typing…");
                else if (typers.size() > 1)
                    text = tr("%n people are typing…", nullptr, int(typers.size()));
                m_chats->setTyping(e.conversationId, text);
            });
    connect(m_client, &client::Client::fatalError, this, [this](const Error &e) {
        qCWarning(lcUi) << "session ended:" << e.toString();
        if (e.code == ErrorCode::BadToken) {
            m_stack->setCurrentWidget(m_firstRun);
            m_firstRun->setServer(m_client->account().settings().serverUrl);
        } else if (e.code == ErrorCode::AccountDisabled) {
            // Nothing is lost: the device stays registered and connects again once enabled.
            m_conversation->banner()->showStopped(
                tr("The server's admin disabled this account, so Tidings stopped connecting. "
                   "Ask them to enable it again, then try again."),
                true, tr("Try again"));
        } else if (e.code == ErrorCode::SessionReplaced) {
            // Not retried on its own: the two would take the connection from each other.
            m_conversation->banner()->showStopped(
                tr("This device connected to the server again from somewhere else (a copy of "
                   "this profile?), so Tidings stopped here."));
        }
    });
    connect(m_conversation->banner(), &ConnectionBanner::useHereRequested, this,
            [this] { startSession(); });
    connect(m_client, &client::Client::certificateRefused, this,
            [this](const Error &e) { onCertificateRefused(e); });
    connect(m_client, &client::Client::authenticated, this, [this] {
        // Reads done offline reach the server now.
        if (m_conversation->conversationId() && isActiveWindow())
            m_session->chatActions()->markRead(m_conversation->conversationId());
    });

    auto shortcut = [this](const QKeySequence &keys, auto slot) {
        auto *s = new QShortcut(keys, this);
        s->setContext(Qt::WindowShortcut);
        connect(s, &QShortcut::activated, this, slot);
    };
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_K), [this] { showQuickSwitcher(); });
    shortcut(QKeySequence::Find, [this] {
        if (isShowingChats())
            m_panel->focusSearch();
    });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_N), [this] { newChat(); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_G), [this] { newGroup(); });
    shortcut(QKeySequence(Qt::ALT | Qt::Key_Up), [this] { stepChat(-1); });
    shortcut(QKeySequence(Qt::ALT | Qt::Key_Down), [this] { stepChat(1); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma), [this] { showSettings(); });

    if (session->hasAccount())
        showChats();
    else
        m_stack->setCurrentWidget(m_firstRun);
    updateTitle();
}

MainWindow::~MainWindow() {
    // The draft of the open chat survives a restart.
    if (m_conversation->conversationId())
        m_conversation->closeChat();
}

ConversationView *MainWindow::makeConversationView() {
    ConversationView::Deps deps;
    deps.chats = m_chats;
    deps.messages = m_messages;
    deps.events = m_session->chatEvents();
    deps.actions = m_session->chatActions();
    deps.account = &m_client->account();
    deps.connection = m_client->connection();
    deps.messaging = &m_client->messaging();
    deps.groups = &m_client->groups();
    deps.presence = &m_client->presence();
    deps.keys = &m_client->keys();
    deps.media = m_session->media();
    deps.messageStore = &m_session->store()->messages();
    return new ConversationView(deps);
}

SettingsDialog::Deps settingsDeps(Session *session) {
    client::Client *c = session->client();
    SettingsDialog::Deps deps;
    deps.settings = session->settings();
    deps.account = &c->account();
    deps.contacts = &c->contacts();
    deps.presence = &c->presence();
    deps.devices = &c->devices();
    deps.keys = &c->keys();
    deps.connection = c->connection();
    deps.profileDirectory = session->directory();
    return deps;
}

bool MainWindow::isShowingChats() const {
    return m_stack->currentWidget() != m_firstRun;
}

void MainWindow::showChats() {
    m_stack->setCurrentIndex(1);
    startSession();
    updateTitle();
    m_panel->chatList()->setFocus();
}

void MainWindow::startSession() {
    if (m_client->isAuthenticated() ||
        m_client->connection()->state() != client::Connection::State::Idle)
        return;
    if (auto s = m_client->start(QUrl(m_server)); !s) {
        qCWarning(lcUi) << "cannot start the session:" << s.error().toString();
        const QUrl url(m_server.isEmpty() ? m_client->account().settings().serverUrl : m_server);
        if (client::isInsecureRemote(url) && !m_client->account().insecureAllowed())
            m_conversation->banner()->showStopped(
                tr("Not connected: %1 is not encrypted (ws://), so your password and device "
                   "token would cross the network in clear. Use a wss:// address, or allow it "
                   "in Settings → Account.")
                    .arg(url.host()),
                false);
    }
}

CertificatePrompt *MainWindow::certificatePrompt() const {
    return m_certificatePrompt;
}

void MainWindow::onCertificateRefused(const Error &refusal) {
    if (m_stack->currentWidget() == m_firstRun)
        return; // the first screen asks about it itself
    const client::Account &account = m_client->account();
    const QString host = QUrl(account.settings().serverUrl).host();
    m_conversation->banner()->showStopped(FirstRunPage::errorMessage(refusal, host, QString()),
                                          false);
    const QString presented = account.presentedCertificate();
    if (presented.isEmpty() || m_certificatePrompt)
        return;
    m_certificatePrompt =
        new CertificatePrompt(refusal, host, presented, account.trustedCertificate(), this);
    connect(m_certificatePrompt, &CertificatePrompt::trusted, this,
            [this](const QString &fingerprint) {
                if (auto s = m_client->account().trustServerCertificate(fingerprint); !s) {
                    qCWarning(lcUi) << "certificate trust not saved:" << s.error().toString();
                    return;
                }
                startSession();
            });
}

void MainWindow::updateTitle() {
    const QString user = m_client->account().settings().username;
    setWindowTitle(user.isEmpty() || !isShowingChats() ? tr("Tidings")
                                                       : tr("Tidings — %1").arg(user));
}

void MainWindow::openChat(quint64 conversationId, quint64 seq) {
    if (!conversationId)
        return;
    if (m_chats->rowOf(conversationId) < 0)
        m_chats->refresh(conversationId);
    m_panel->selectChat(conversationId);
    m_conversation->openChat(conversationId, seq);
}

bool MainWindow::openChatNamed(const QString &title) {
    for (int row = 0; row < m_chats->rowCount(); ++row) {
        if (m_chats->data(m_chats->index(row), ChatListModel::TitleRole)
                .toString()
                .compare(title, Qt::CaseInsensitive) == 0) {
            openChat(m_chats->conversationAt(row));
            return true;
        }
    }
    return false;
}

void MainWindow::newChat() {
    if (!isShowingChats())
        return;
    auto *dialog =
        new NewChatDialog(&m_client->messaging(), &m_client->groups(), m_session->chatEvents(),
                          m_client->connection(), NewChatDialog::Mode::Direct, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &NewChatDialog::chatReady, this, [this](quint64 id) { openChat(id); });
    dialog->open();
}

void MainWindow::newGroup() {
    if (!isShowingChats())
        return;
    auto *dialog =
        new NewChatDialog(&m_client->messaging(), &m_client->groups(), m_session->chatEvents(),
                          m_client->connection(), NewChatDialog::Mode::Group, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &NewChatDialog::chatReady, this, [this](quint64 id) {
        openChat(id);
        m_conversation->setInfoVisible(true);
    });
    dialog->open();
}

void MainWindow::showSettings() {
    if (!isShowingChats())
        return;
    auto *dialog = new SettingsDialog(settingsDeps(m_session), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::themeChanged, this,
            [](Theme theme) { applyTheme(qApp, theme); });
    connect(dialog, &SettingsDialog::notificationsChanged, m_notifier, &Notifier::setEnabled);
    connect(dialog, &SettingsDialog::insecureConsentChanged, this, [this](bool allowed) {
        // Refused for want of this consent, or no longer allowed: the banner says which.
        if (!allowed)
            m_client->stop();
        startSession();
    });
    dialog->open();
}

void MainWindow::showQuickSwitcher() {
    if (!isShowingChats())
        return;
    auto *dialog = new QuickSwitcher(m_chats, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QuickSwitcher::chatChosen, this, [this](quint64 id) { openChat(id); });
    dialog->open();
}

void MainWindow::stepChat(int delta) {
    if (!isShowingChats() || m_chats->rowCount() == 0)
        return;
    const int current = m_chats->rowOf(m_conversation->conversationId());
    const int row = current < 0 ? 0 : qBound(0, current + delta, m_chats->rowCount() - 1);
    openChat(m_chats->conversationAt(row));
}

void MainWindow::keyPressEvent(QKeyEvent *event) {
    if (event->key() == Qt::Key_Escape && isShowingChats()) {
        if (m_conversation->closePanels() || m_panel->clearSearch()) {
            if (m_conversation->conversationId())
                m_conversation->composer()->focusEditor();
            return;
        }
    }
    QMainWindow::keyPressEvent(event);
}

void MainWindow::closeEvent(QCloseEvent *event) {
    if (m_conversation->conversationId())
        m_conversation->closeChat();
    QMainWindow::closeEvent(event);
}

} // namespace tidings::ui
