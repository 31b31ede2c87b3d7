#pragma once
// One desktop client in a test: a profile directory, its session and its main window, driven
// through the same widgets a person uses.
#include "models/chat_list_model.h"
#include "models/message_model.h"
#include "session.h"
#include "views/chat_list_panel.h"
#include "views/composer.h"
#include "views/conversation_view.h"
#include "views/first_run_page.h"
#include "views/main_window.h"

#include "core/secrets/secret_store.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"

#include <QDir>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>

namespace tidings::test {

struct Device {
    QString dir;
    std::unique_ptr<ui::Session> session;
    std::unique_ptr<ui::MainWindow> window;

    //! Opens (or reopens) the profile in `dir` with its token in a file there.
    bool open(const QString &profileDir, const QString &server) {
        dir = profileDir;
        client::Client::Options options;
        options.connection.backoffBaseMs = 50;
        options.connection.backoffCapMs = 400;
        auto s = ui::Session::open(
            dir, std::make_unique<client::FileSecretStore>(QDir(dir).filePath("secrets")), options);
        if (!s)
            return false;
        session = std::move(*s);
        window = std::make_unique<ui::MainWindow>(session.get(), server);
        window->show();
        return QTest::qWaitForWindowExposed(window.get());
    }
    void close() {
        window.reset();
        session.reset();
    }
    ui::ConversationView *conversation() const { return window->conversation(); }
    ui::MessageModel *messages() const { return conversation()->model(); }
    ui::ChatListModel *chats() const { return window->chatModel(); }

    //! Types into the composer and presses Enter.
    void type(const QString &text, bool enter = true) {
        auto *editor = conversation()->composer()->editor();
        editor->setFocus();
        // QTest types ASCII only; other text arrives as if pasted.
        bool ascii = true;
        for (QChar c : text)
            ascii = ascii && c.unicode() < 128;
        if (ascii)
            QTest::keyClicks(editor, text);
        else
            editor->insertPlainText(text);
        if (enter)
            QTest::keyClick(editor, Qt::Key_Return);
    }
    int stateOf(const QString &text) const {
        for (int r = messages()->rowCount() - 1; r >= 0; --r)
            if (messages()->messageAt(r).text == text)
                return messages()->data(messages()->index(r), ui::MessageModel::StateRole).toInt();
        return -1;
    }
    bool hasMessage(const QString &text) const { return stateOf(text) >= 0; }
    void activate() {
        window->activateWindow();
        QApplication::setActiveWindow(window.get());
    }
};

} // namespace tidings::test
