// The codec's field-by-field limits: username rules, every client request's field limits and
// every server frame's, worst-case frame sizes.
#include "codec_test_support.h"

using namespace codec_test;

class TestCodecLimits : public QObject {
    Q_OBJECT

private slots:
    void usernameRules_data();
    void usernameRules();
    void normalizeUsername();
    void clientFieldLimits_data();
    void clientFieldLimits();
    void invalidUtf8StringIsBadFrame();
    void serverFieldLimits_data();
    void serverFieldLimits();
    void worstCasePushesFitTheFrameLimit();
    void groupFullIsATypedDecodeError();
};

void TestCodecLimits::usernameRules_data() {
    QTest::addColumn<QByteArray>("username"); // UTF-8, as on the wire
    QTest::addColumn<ErrorCode>("expected");  // None = accepted

    const auto ok = ErrorCode::None;
    const auto invalid = ErrorCode::InvalidUsername;
    QTest::newRow("plain") << QByteArray("alice") << ok;
    QTest::newRow("min length 3") << QByteArray("abc") << ok;
    QTest::newRow("2 chars") << QByteArray("ab") << invalid;
    QTest::newRow("empty") << QByteArray() << invalid;
    QTest::newRow("max length 32") << QByteArray(32, 'a') << ok;
    QTest::newRow("33 chars") << QByteArray(33, 'a') << invalid;
    QTest::newRow("128 bytes: invalid, not too large") << QByteArray(128, 'a') << invalid;
    QTest::newRow("129 bytes: too large") << QByteArray(129, 'a') << ErrorCode::TooLarge;
    QTest::newRow("all allowed chars") << QByteArray("a.b-c_d0123456789") << ok;
    QTest::newRow("starts with digit") << QByteArray("1alice") << invalid;
    QTest::newRow("starts with _") << QByteArray("_alice") << invalid;
    QTest::newRow("starts with .") << QByteArray(".alice") << invalid;
    QTest::newRow("starts with -") << QByteArray("-alice") << invalid;
    QTest::newRow("inner space") << QByteArray("al ice") << invalid;
    QTest::newRow("at sign") << QByteArray("al@ice") << invalid;
    QTest::newRow("plus") << QByteArray("al+ice") << invalid;
    QTest::newRow("slash") << QByteArray("al/ice") << invalid;
    QTest::newRow("nul byte") << QByteArray("ali\0ce", 6) << invalid;
    QTest::newRow("non-ASCII letter") << QByteArray("\xc3\xa5lice") << invalid; // ålice
    QTest::newRow("cyrillic a") << QByteArray("\xd0\xb0lice") << invalid;       // аlice
    QTest::newRow("fullwidth a") << QByteArray("\xef\xbd\x81lice") << invalid;  // ａlice
    QTest::newRow("emoji") << QByteArray("alice\xf0\x9f\x91\x8b") << invalid;
    // Normalization: trimmed and lower-cased before the rules apply.
    QTest::newRow("upper case is normalized") << QByteArray("ALICE") << ok;
    QTest::newRow("mixed case") << QByteArray("Alice.Smith") << ok;
    QTest::newRow("surrounding spaces trimmed") << QByteArray("  alice\t") << ok;
    QTest::newRow("32 chars plus spaces") << QByteArray("  " + QByteArray(32, 'Z') + "  ") << ok;
    QTest::newRow("2 chars plus spaces") << QByteArray("  ab  ") << invalid;
    QTest::newRow("only spaces") << QByteArray("     ") << invalid;
}

void TestCodecLimits::usernameRules() {
    QFETCH(QByteArray, username);
    QFETCH(ErrorCode, expected);
    const std::string name(username.constData(), size_t(username.size()));

    // The same rules apply to registration and to opening a direct conversation.
    Frame open;
    open.set_request_id(3);
    open.mutable_open_direct_request()->set_username(name);
    for (const Frame &f : {withRegister(name, kGoodPassword), open}) {
        const auto r = protocol::decodeClientFrame(encode(f));
        if (expected == ErrorCode::None) {
            QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        } else {
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, expected);
        }
    }
    // isValidUsername itself takes the normalized form only.
    const QString normalized = protocol::normalizeUsername(QString::fromUtf8(username));
    if (expected == ErrorCode::None) {
        QVERIFY(protocol::isValidUsername(normalized));
        QCOMPARE(normalized, normalized.toLower().trimmed());
    }
}

void TestCodecLimits::normalizeUsername() {
    QCOMPARE(protocol::normalizeUsername(u"  Alice.Smith \n"), QStringLiteral("alice.smith"));
    QCOMPARE(protocol::normalizeUsername(u"BOB"), QStringLiteral("bob"));
    QVERIFY(!protocol::isValidUsername(u"Alice")); // not normalized: rejected
    QVERIFY(!protocol::isValidUsername(u" alice"));
    QVERIFY(protocol::isValidUsername(u"alice"));
    QVERIFY(!protocol::isValidUsername(QString(33, u'a')));
    QVERIFY(protocol::isValidUsername(QString(32, u'a')));
}

void TestCodecLimits::clientFieldLimits_data() {
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<ErrorCode>("expected");

    const auto ok = ErrorCode::None;
    const auto bad = ErrorCode::BadFrame;
    const auto large = ErrorCode::TooLarge;
    auto row = [](const char *name, const Frame &f, ErrorCode e) {
        QTest::newRow(name) << encode(f) << e;
    };

    // register: password 8..1024 bytes, device and display name up to 64 bytes
    row("register password 7 bytes", withRegister("alice", "1234567"), ErrorCode::WeakPassword);
    row("register password empty", withRegister("alice", ""), ErrorCode::WeakPassword);
    row("register password 8 bytes", withRegister("alice", "12345678"), ok);
    row("register password 1024 bytes", withRegister("alice", std::string(1024, 'p')), ok);
    row("register password 1025 bytes", withRegister("alice", std::string(1025, 'p')), large);
    row("register device name 64", withRegister("alice", kGoodPassword, std::string(64, 'd')), ok);
    row("register device name 65", withRegister("alice", kGoodPassword, std::string(65, 'd')),
        large);
    row("register device name empty", withRegister("alice", kGoodPassword, ""), ok);
    row("register display name 64",
        withRegister("alice", kGoodPassword, "laptop", std::string(64, 'n')), ok);
    row("register display name 65",
        withRegister("alice", kGoodPassword, "laptop", std::string(65, 'n')), large);
    // The invite code (registration by invitation) up to 64 bytes.
    Frame invite64 = withRegister("alice", kGoodPassword);
    invite64.mutable_register_request()->set_invite_code(std::string(64, 'K'));
    row("register invite code 64", invite64, ok);
    Frame invite65 = invite64;
    invite65.mutable_register_request()->set_invite_code(std::string(65, 'K'));
    row("register invite code 65", invite65, large);

    // login: any non-empty username up to 128 bytes (unknown names are BAD_CREDENTIALS later),
    // any non-empty password up to 1024 bytes (no minimum: old accounts may log in)
    row("login plain", withLogin("alice", "x"), ok);
    row("login username not a valid name", withLogin("Not Valid!", "pw"), ok);
    row("login username empty", withLogin("", kGoodPassword), bad);
    row("login username 128 bytes", withLogin(std::string(128, 'a'), kGoodPassword), ok);
    row("login username 129 bytes", withLogin(std::string(129, 'a'), kGoodPassword), bad);
    row("login password empty", withLogin("alice", ""), bad);
    row("login password 1024", withLogin("alice", std::string(1024, 'p')), ok);
    row("login password 1025", withLogin("alice", std::string(1025, 'p')), large);
    row("login device name 64", withLogin("alice", kGoodPassword, std::string(64, 'd')), ok);
    row("login device name 65", withLogin("alice", kGoodPassword, std::string(65, 'd')), large);

    // auth: the device token is exactly 32 bytes
    for (int n : {0, 1, 31, 32, 33, 64}) {
        Frame f;
        f.set_request_id(1);
        f.mutable_auth_request()->set_device_token(std::string(size_t(n), '\x01'));
        const QByteArray name = "auth token " + QByteArray::number(n) + " bytes";
        QTest::newRow(name.constData()) << encode(f) << (n == 32 ? ok : ErrorCode::BadToken);
    }

    // send: conversation id, client_message_id 1..64 printable ASCII, payload 1..64 KiB
    row("send plain", withSend(1, "m", "p"), ok);
    row("send conversation 0", withSend(0, "m", "p"), bad);
    row("send client id empty", withSend(1, "", "p"), bad);
    row("send client id 64", withSend(1, std::string(64, 'c'), "p"), ok);
    row("send client id 65", withSend(1, std::string(65, 'c'), "p"), large);
    row("send client id ! and ~", withSend(1, "!~", "p"), ok);
    row("send client id with space", withSend(1, "a b", "p"), bad);
    row("send client id with tab", withSend(1, "a\tb", "p"), bad);
    row("send client id with newline", withSend(1, "a\n", "p"), bad);
    row("send client id with DEL", withSend(1, "a\x7f", "p"), bad);
    row("send client id with NUL", withSend(1, std::string("a\0b", 3), "p"), bad);
    row("send client id non-ASCII", withSend(1, "caf\xc3\xa9", "p"), bad);
    row("send payload empty", withSend(1, "m", ""), bad);
    row("send payload 1 byte", withSend(1, "m", std::string(1, '\0')), ok);
    row("send payload 64 KiB", withSend(1, "m", std::string(limits::kMaxPayloadBytes, 'x')), ok);
    row("send payload 64 KiB + 1", withSend(1, "m", std::string(limits::kMaxPayloadBytes + 1, 'x')),
        large);

    // delivery and read acks: both ids set
    for (const bool read : {false, true}) {
        for (const auto &[conv, seq] : {std::pair{1, 1}, {0, 1}, {1, 0}, {0, 0}}) {
            Frame f;
            f.set_request_id(0);
            if (read) {
                f.mutable_read_ack()->set_conversation_id(quint64(conv));
                f.mutable_read_ack()->set_seq(quint64(seq));
            } else {
                f.mutable_delivery_ack()->set_conversation_id(quint64(conv));
                f.mutable_delivery_ack()->set_seq(quint64(seq));
            }
            const QByteArray name = QByteArray(read ? "read_ack" : "delivery_ack") + " conv " +
                                    QByteArray::number(conv) + " seq " + QByteArray::number(seq);
            QTest::newRow(name.constData()) << encode(f) << (conv && seq ? ok : bad);
        }
    }

    // history: conversation id, limit 0 (default)..500, until_seq 0 (latest) or above after_seq
    row("history plain", withHistory(1, 0, 0, 0), ok);
    row("history conversation 0", withHistory(0, 0, 0, 10), bad);
    row("history limit 500", withHistory(1, 0, 0, 500), ok);
    row("history limit 501", withHistory(1, 0, 0, 501), large);
    row("history limit max uint32", withHistory(1, 0, 0, 0xffffffffu), large);
    row("history until 0 means latest", withHistory(1, 100, 0, 10), ok);
    row("history until after+1", withHistory(1, 100, 101, 10), ok);
    row("history until == after", withHistory(1, 100, 100, 10), bad);
    row("history until < after", withHistory(1, 100, 99, 10), bad);

    // create group: name 1..64 bytes and not blank, at most 499 others, each a valid username
    using Strings = std::vector<std::string>;
    const auto groupFull = ErrorCode::GroupFull;
    const auto invalid = ErrorCode::InvalidUsername;
    row("group plain", withCreateGroup("Team", {"bob", "carol"}), ok);
    row("group without others", withCreateGroup("Just me"), ok);
    row("group name missing", withCreateGroup("", {"bob"}), bad);
    row("group name blank", withCreateGroup("   ", {"bob"}), bad);
    row("group name tabs and newlines", withCreateGroup("\t\n \r", {"bob"}), bad);
    row("group name 1 byte", withCreateGroup("x", {"bob"}), ok);
    row("group name padded", withCreateGroup("  x  ", {"bob"}), ok);
    row("group name 64 bytes", withCreateGroup(std::string(64, 'g'), {"bob"}), ok);
    row("group name 65 bytes", withCreateGroup(std::string(65, 'g'), {"bob"}), large);
    // bytes, not characters: 16 four-byte emoji are 64 bytes, 17 are 68; 33 two-byte é are 66
    std::string emoji16;
    for (int i = 0; i < 16; ++i)
        emoji16 += "\xf0\x9f\x93\x9a";
    row("group name 16 emoji (64 bytes)", withCreateGroup(emoji16, {"bob"}), ok);
    row("group name 17 emoji (68 bytes)", withCreateGroup(emoji16 + "\xf0\x9f\x93\x9a", {"bob"}),
        large);
    std::string e33;
    for (int i = 0; i < 33; ++i)
        e33 += "\xc3\xa9";
    row("group name 33 x 2-byte char (66 bytes)", withCreateGroup(e33, {"bob"}), large);
    row("group 499 others", withCreateGroup("Big", manyUsernames(limits::kMaxGroupMembers - 1)),
        ok);
    row("group 500 others", withCreateGroup("Big", manyUsernames(limits::kMaxGroupMembers)),
        groupFull);
    row("group 1000 others", withCreateGroup("Big", manyUsernames(2 * limits::kMaxGroupMembers)),
        groupFull);
    row("group usernames normalized", withCreateGroup("Team", {"Bob", " carol "}), ok);
    row("group invalid first username", withCreateGroup("Team", {"1bob", "carol"}), invalid);
    row("group invalid last username", withCreateGroup("Team", {"bob", "carol", "x"}), invalid);
    row("group empty username", withCreateGroup("Team", {"bob", ""}), invalid);
    row("group username with space", withCreateGroup("Team", {"bo b"}), invalid);
    row("group username 129 bytes", withCreateGroup("Team", {"bob", std::string(129, 'a')}), large);
    {
        Strings names = manyUsernames(limits::kMaxGroupMembers - 2);
        names.push_back("no way");
        row("group 499 others, the last invalid", withCreateGroup("Big", names), invalid);
    }

    // group change: a conversation; add/remove/promote/demote need a valid username, rename a
    // valid name, leave nothing; any other action value is BAD_FRAME
    using GC = wire::GroupChangeRequest;
    const std::pair<const char *, GC::Action> userActions[] = {{"add", GC::ACTION_ADD},
                                                               {"remove", GC::ACTION_REMOVE},
                                                               {"promote", GC::ACTION_PROMOTE},
                                                               {"demote", GC::ACTION_DEMOTE}};
    for (const auto &[name, action] : userActions) {
        const QByteArray n = QByteArray("group ") + name;
        QTest::newRow((n + " plain").constData())
            << encode(withGroupChange(43, action, "bob")) << ok;
        QTest::newRow((n + " normalized username").constData())
            << encode(withGroupChange(43, action, " Bob ")) << ok;
        QTest::newRow((n + " without conversation").constData())
            << encode(withGroupChange(0, action, "bob")) << bad;
        QTest::newRow((n + " without username").constData())
            << encode(withGroupChange(43, action, "")) << invalid;
        QTest::newRow((n + " without username, with a name").constData())
            << encode(withGroupChange(43, action, "", "New name")) << invalid;
        QTest::newRow((n + " invalid username").constData())
            << encode(withGroupChange(43, action, "-bob")) << invalid;
        QTest::newRow((n + " username 129 bytes").constData())
            << encode(withGroupChange(43, action, std::string(129, 'b'))) << large;
    }
    row("group leave", withGroupChange(43, GC::ACTION_LEAVE, ""), ok);
    row("group leave ignores username", withGroupChange(43, GC::ACTION_LEAVE, "not valid!"), ok);
    row("group leave without conversation", withGroupChange(0, GC::ACTION_LEAVE, ""), bad);
    row("group rename", withGroupChange(43, GC::ACTION_RENAME, "", "New name"), ok);
    row("group rename ignores username", withGroupChange(43, GC::ACTION_RENAME, "!!", "New"), ok);
    row("group rename without conversation", withGroupChange(0, GC::ACTION_RENAME, "", "New"), bad);
    row("group rename without name", withGroupChange(43, GC::ACTION_RENAME, "bob"), bad);
    row("group rename blank name", withGroupChange(43, GC::ACTION_RENAME, "", " \t "), bad);
    row("group rename name 64 bytes",
        withGroupChange(43, GC::ACTION_RENAME, "", std::string(64, 'n')), ok);
    row("group rename name 65 bytes",
        withGroupChange(43, GC::ACTION_RENAME, "", std::string(65, 'n')), large);
    {
        Frame setKey = withGroupChange(43, GC::ACTION_SET_KEY, "");
        row("group set key without a signed change", setKey, bad);
        setKey.mutable_group_change_request()->set_signed_change(std::string(200, 's'));
        row("group set key", setKey, ok);
        setKey.mutable_group_change_request()->set_username("not valid!");
        row("group set key ignores username", setKey, ok);
    }
    for (const quint64 action : {quint64(7), quint64(8), quint64(1000), ~quint64(0)}) {
        std::string body;
        putVarintField(body, 1, 43);
        putVarintField(body, 2, action);
        putBytesField(body, 3, "bob");
        putBytesField(body, 4, "name");
        const QByteArray n = "group action " + QByteArray::number(qint64(action));
        QTest::newRow(n.constData()) << rawFrame(41, body) << bad;
    }
    {
        std::string body; // the largest known action, written raw, is accepted
        putVarintField(body, 1, 43);
        putVarintField(body, 2, quint64(GC::ACTION_RENAME));
        putBytesField(body, 4, "name");
        QTest::newRow("group action 5 (rename), raw") << rawFrame(41, body) << ok;
    }

    // group info, readers: ids set
    for (const quint64 conv : {0, 43}) {
        Frame f;
        f.set_request_id(1);
        f.mutable_group_info_request()->set_conversation_id(conv);
        QTest::newRow(("group info conv " + QByteArray::number(conv)).constData())
            << encode(f) << (conv ? ok : bad);
    }
    for (const auto &[conv, seq] : {std::pair{1, 1}, {0, 1}, {1, 0}, {0, 0}}) {
        Frame f;
        f.set_request_id(1);
        f.mutable_readers_request()->set_conversation_id(quint64(conv));
        f.mutable_readers_request()->set_seq(quint64(seq));
        const QByteArray n =
            "readers conv " + QByteArray::number(conv) + " seq " + QByteArray::number(seq);
        QTest::newRow(n.constData()) << encode(f) << (conv && seq ? ok : bad);
    }

    // devices: list needs nothing, revoke needs a device id
    {
        Frame f;
        f.mutable_devices_request();
        row("devices request", f, ok);
        Frame g;
        g.mutable_revoke_device_request()->set_device_id(0);
        row("revoke device 0", g, bad);
        g.mutable_revoke_device_request()->set_device_id(1);
        row("revoke device 1", g, ok);
        g.mutable_revoke_device_request()->set_device_id(quint64(INT64_MAX)); // a bigint
        row("revoke device max", g, ok);
        g.mutable_revoke_device_request()->set_device_id(~quint64(0)); // test_codec_ranges
        row("revoke device above bigint", g, bad);
        // changing the password: the current one as for a login, the new one as for a register
        Frame c;
        c.mutable_change_password_request()->set_old_password("x");
        c.mutable_change_password_request()->set_new_password("12345678");
        row("change password", c, ok);
        c.mutable_change_password_request()->set_new_password("1234567");
        row("change password to a weak one", c, ErrorCode::WeakPassword);
        c.mutable_change_password_request()->set_old_password("");
        c.mutable_change_password_request()->set_new_password("12345678");
        row("change password without the current one", c, bad);
        c.mutable_change_password_request()->set_old_password(std::string(1025, 'p'));
        row("change password from a huge one", c, large);
    }

    // signed group state: changes up to 32 KiB, log pages of at most 64
    {
        Frame g;
        auto *ch = g.mutable_group_change_request();
        ch->set_conversation_id(4);
        ch->set_action(wire::GroupChangeRequest::ACTION_LEAVE);
        ch->set_signed_change(std::string(size_t(limits::kMaxGroupChangeBytes), 's'));
        row("signed change of 32 KiB", g, ok);
        ch->set_signed_change(std::string(size_t(limits::kMaxGroupChangeBytes) + 1, 's'));
        row("signed change above 32 KiB", g, large);
        Frame l;
        l.mutable_group_log_request()->set_conversation_id(4);
        l.mutable_group_log_request()->set_limit(64);
        row("group log of 64", l, ok);
        l.mutable_group_log_request()->set_limit(65);
        row("group log of 65", l, large);
        l.mutable_group_log_request()->set_limit(1);
        l.mutable_group_log_request()->set_conversation_id(0);
        row("group log of conversation 0", l, bad);
    }

    // presence: at most 100 subscriptions, each a valid username; none unsubscribes all
    row("presence none", withPresenceSubscribe({}), ok);
    row("presence 100", withPresenceSubscribe(manyUsernames(limits::kMaxPresenceSubscriptions)),
        ok);
    row("presence 101", withPresenceSubscribe(manyUsernames(limits::kMaxPresenceSubscriptions + 1)),
        large);
    row("presence normalized", withPresenceSubscribe({"BOB", " carol"}), ok);
    row("presence invalid first", withPresenceSubscribe({"b", "carol"}), invalid);
    row("presence invalid last", withPresenceSubscribe({"bob", "carol", "c@rol"}), invalid);
    row("presence empty username", withPresenceSubscribe({""}), invalid);
    row("presence username 129 bytes", withPresenceSubscribe({std::string(129, 'a')}), large);

    // privacy: a known visibility
    for (const quint64 v : {quint64(0), quint64(1), quint64(2), quint64(3), quint64(100),
                            ~quint64(0)}) { // ~0: -1 as a varint
        std::string body;
        putVarintField(body, 1, v);
        const QByteArray n = "privacy visibility " + QByteArray::number(qint64(v));
        QTest::newRow(n.constData()) << rawFrame(63, body) << (v <= 2 ? ok : bad);
    }

    // typing: a conversation
    for (const bool typing : {true, false}) {
        for (const quint64 conv : {0, 43}) {
            Frame f;
            f.mutable_typing_request()->set_conversation_id(conv);
            f.mutable_typing_request()->set_typing(typing);
            const QByteArray n = QByteArray("typing ") + (typing ? "on" : "off") + " conv " +
                                 QByteArray::number(conv);
            QTest::newRow(n.constData()) << encode(f) << (conv ? ok : bad);
        }
    }

    // contacts: a known action and a valid username; listing needs nothing
    using CR = wire::ContactRequest;
    for (const auto action :
         {CR::ACTION_ADD, CR::ACTION_REMOVE, CR::ACTION_BLOCK, CR::ACTION_UNBLOCK}) {
        const QByteArray n = "contact " + QByteArray::fromStdString(CR::Action_Name(action));
        QTest::newRow((n + " plain").constData()) << encode(withContact(action, "bob")) << ok;
        QTest::newRow((n + " normalized").constData()) << encode(withContact(action, "Bob")) << ok;
        QTest::newRow((n + " without username").constData())
            << encode(withContact(action, "")) << invalid;
        QTest::newRow((n + " invalid username").constData())
            << encode(withContact(action, "b0b!")) << invalid;
        QTest::newRow((n + " username 129 bytes").constData())
            << encode(withContact(action, std::string(129, 'b'))) << large;
    }
    for (const quint64 action : {quint64(4), quint64(99), ~quint64(0)}) {
        std::string body;
        putVarintField(body, 1, action);
        putBytesField(body, 2, "bob");
        const QByteArray n = "contact action " + QByteArray::number(qint64(action));
        QTest::newRow(n.constData()) << rawFrame(70, body) << bad;
    }
    {
        Frame f;
        f.mutable_contacts_request();
        row("contacts request", f, ok);
    }

    // ping carries no limits
    Frame ping;
    ping.mutable_ping()->set_client_time_ms(-1);
    row("ping negative time", ping, ok);

    // Account-key lifecycle: the succession statement, handoffs, the recovery request.
    auto publish = [](size_t succession, int handoffs, size_t blob) {
        Frame f;
        auto *p = f.mutable_publish_device_list_request();
        p->set_signed_list(std::string(120, '\x08'));
        p->set_account_key(std::string(32, '\x03'));
        p->set_succession(std::string(succession, 's'));
        for (int i = 0; i < handoffs; ++i) {
            auto *h = p->add_handoffs();
            h->set_device_id(quint64(i + 1));
            h->set_blob(std::string(blob, 'h'));
        }
        return f;
    };
    row("succession at limit", publish(limits::kMaxSuccessionBytes, 1, 97), ok);
    row("succession over limit", publish(limits::kMaxSuccessionBytes + 1, 1, 97), large);
    row("handoffs at limit", publish(200, limits::kMaxDevicesPerUser, 97), ok);
    row("handoffs over limit", publish(200, limits::kMaxDevicesPerUser + 1, 97), large);
    row("handoff blob at limit", publish(200, 1, limits::kMaxLinkBlobBytes), ok);
    row("handoff blob over limit", publish(200, 1, limits::kMaxLinkBlobBytes + 1), bad);
    row("empty handoff blob", publish(200, 1, 0), bad);
    auto recover = [](size_t succession, size_t list) {
        Frame f;
        auto *r = f.mutable_recover_account_request();
        auto *u = r->mutable_keys();
        u->set_signing_key(std::string(32, '\x01'));
        u->set_identity_key(std::string(32, '\x02'));
        u->set_account_key(std::string(32, '\x09'));
        u->set_binding_signature(std::string(64, '\x04'));
        u->mutable_signed_prekey()->set_key_id(7);
        u->mutable_signed_prekey()->set_public_key(std::string(32, '\x05'));
        u->mutable_signed_prekey()->set_signature(std::string(64, '\x06'));
        r->set_succession(std::string(succession, 's'));
        r->set_signed_list(std::string(list, 'l'));
        r->set_account_key(std::string(32, '\x09'));
        return f;
    };
    row("recovery succession at limit", recover(limits::kMaxSuccessionBytes, 120), ok);
    row("recovery succession over limit", recover(limits::kMaxSuccessionBytes + 1, 120), bad);
    row("recovery list at limit", recover(400, limits::kMaxSignedDeviceListBytes), ok);
    row("recovery list over limit", recover(400, limits::kMaxSignedDeviceListBytes + 1), bad);
    row("recovery without succession", recover(0, 120), bad);
}

void TestCodecLimits::clientFieldLimits() {
    QFETCH(QByteArray, wire);
    QFETCH(ErrorCode, expected);
    const auto r = protocol::decodeClientFrame(wire);
    if (expected == ErrorCode::None) {
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        return;
    }
    QVERIFY2(!r.ok(), "accepted a frame that breaks a limit");
    QCOMPARE(r.error().code, expected);
    QVERIFY(!r.error().detail.isEmpty());
    // validateClientFrame (used on already parsed frames) agrees with the decoder.
    Frame parsed;
    QVERIFY(parsed.ParseFromArray(wire.constData(), int(wire.size())));
    QCOMPARE(protocol::validateClientFrame(parsed).error().code, expected);
}

void TestCodecLimits::invalidUtf8StringIsBadFrame() {
    // proto3 string fields must be UTF-8; bytes fields (payload, token) may hold anything.
    std::string body;
    putBytesField(body, 1, "ali\xff\xfe");
    putBytesField(body, 2, kGoodPassword);
    std::string raw;
    putVarintField(raw, 1, 1);
    putBytesField(raw, 10, body);
    const auto r = protocol::decodeClientFrame(bytes(raw));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::BadFrame);

    QVERIFY(protocol::decodeClientFrame(encode(withSend(1, "m", "\xff\xfe\x00"))).ok());
}

void TestCodecLimits::serverFieldLimits_data() {
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<ErrorCode>("expected");
    using tidings::testing::sampleMessage;

    auto push = [](int count, quint64 conv, quint64 seq, size_t payload) {
        Frame f;
        auto *p = f.mutable_message_push();
        for (int i = 0; i < count; ++i)
            *p->add_messages() = sampleMessage(1, quint64(i + 1), "m");
        *p->add_messages() = sampleMessage(conv, seq, std::string(payload, 'x'));
        return encode(f);
    };
    auto history = [](int count, quint64 conv, quint64 seq) {
        Frame f;
        f.set_request_id(4);
        auto *h = f.mutable_history_response();
        for (int i = 0; i < count; ++i)
            *h->add_messages() = sampleMessage(1, quint64(i + 1), "m");
        *h->add_messages() = sampleMessage(conv, seq, "last");
        return encode(f);
    };
    const auto ok = ErrorCode::None;
    const auto bad = ErrorCode::BadFrame;
    const auto large = ErrorCode::TooLarge;
    const int maxPush = limits::kMaxMessagesPerPush;
    const int maxHistory = int(limits::kMaxHistoryLimit);

    auto auth = [](size_t renewed) {
        Frame f;
        f.set_request_id(1);
        f.mutable_auth_response()->set_user_id(1);
        f.mutable_auth_response()->set_renewed_token(std::string(renewed, 't'));
        return encode(f);
    };
    QTest::newRow("auth, token not renewed") << auth(0) << ok;
    QTest::newRow("auth, token renewed") << auth(size_t(limits::kDeviceTokenBytes)) << ok;
    QTest::newRow("auth, renewed token too short") << auth(5) << bad;
    QTest::newRow("push 256 messages") << push(maxPush - 1, 1, 999, 1) << ok;
    QTest::newRow("push 257 messages") << push(maxPush, 1, 999, 1) << large;
    QTest::newRow("push conversation 0") << push(3, 0, 5, 1) << bad;
    QTest::newRow("push seq 0") << push(3, 1, 0, 1) << bad;
    QTest::newRow("push payload 64 KiB") << push(0, 1, 1, limits::kMaxPayloadBytes) << ok;
    QTest::newRow("push payload 64 KiB + 1")
        << push(0, 1, 1, limits::kMaxPayloadBytes + 1) << large;
    QTest::newRow("empty push") << encode([] {
        Frame f;
        f.mutable_message_push();
        return f;
    }()) << ok;
    QTest::newRow("history 500 messages") << history(maxHistory - 1, 1, 999) << ok;
    QTest::newRow("history 501 messages") << history(maxHistory, 1, 999) << large;
    QTest::newRow("history conversation 0") << history(2, 0, 7) << bad;
    QTest::newRow("history seq 0") << history(2, 1, 0) << bad;

    auto historyPayload = [](size_t payload) {
        Frame f;
        f.set_request_id(4);
        auto *h = f.mutable_history_response();
        *h->add_messages() = sampleMessage(1, 1, "first");
        *h->add_messages() = sampleMessage(1, 2, std::string(payload, 'x'));
        return encode(f);
    };
    QTest::newRow("history payload 64 KiB") << historyPayload(limits::kMaxPayloadBytes) << ok;
    QTest::newRow("history payload 64 KiB + 1")
        << historyPayload(limits::kMaxPayloadBytes + 1) << large;

    // Group system events carry no payload; a message with both still only needs ids.
    {
        Frame f;
        *f.mutable_message_push()->add_messages() = tidings::testing::sampleSystemMessage(43, 1);
        QTest::newRow("push system event") << encode(f) << ok;
        f.mutable_message_push()->mutable_messages(0)->set_seq(0);
        QTest::newRow("push system event seq 0") << encode(f) << bad;
    }

    // Conversation info: at most 500 members.
    auto group = [](int members) {
        Frame f;
        f.set_request_id(6);
        auto *c = f.mutable_conversation_info();
        c->set_conversation_id(43);
        c->set_kind(wire::CONVERSATION_GROUP);
        c->set_name("Big");
        for (int i = 0; i < members; ++i)
            *c->add_members() =
                tidings::testing::sampleMember(quint64(i + 1), "user" + std::to_string(i),
                                               i == 0 ? wire::ROLE_ADMIN : wire::ROLE_MEMBER, 5, 4);
        return encode(f);
    };
    QTest::newRow("group info 0 members") << group(0) << ok;
    QTest::newRow("group info 500 members") << group(limits::kMaxGroupMembers) << ok;
    QTest::newRow("group info 501 members") << group(limits::kMaxGroupMembers + 1) << large;
    QTest::newRow("group info 1000 members") << group(2 * limits::kMaxGroupMembers) << large;

    // Key successions handed out with a list, in bundles or with a handoff: at most 32.
    auto chain = [](int n, int where) {
        Frame f;
        google::protobuf::RepeatedPtrField<std::string> *out =
            where == 0 ? f.mutable_device_list_response()->mutable_successions()
            : where == 1
                ? f.mutable_bundles_response()->mutable_device_list()->mutable_successions()
                : f.mutable_account_key_push()->mutable_successions();
        for (int i = 0; i < n; ++i)
            *out->Add() = std::string(200, 's');
        return encode(f);
    };
    const char *where[] = {"list", "bundles", "handoff"};
    for (int w = 0; w < 3; ++w) {
        QTest::newRow(QByteArray(where[w]).append(" successions at limit").constData())
            << chain(limits::kMaxSuccessions, w) << ErrorCode::None;
        QTest::newRow(QByteArray(where[w]).append(" successions over limit").constData())
            << chain(limits::kMaxSuccessions + 1, w) << ErrorCode::TooLarge;
    }
}

void TestCodecLimits::serverFieldLimits() {
    QFETCH(QByteArray, wire);
    QFETCH(ErrorCode, expected);
    const auto r = protocol::decodeServerFrame(wire);
    if (expected == ErrorCode::None) {
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        return;
    }
    QVERIFY2(!r.ok(), "accepted a frame that breaks a limit");
    QCOMPARE(r.error().code, expected);
    QVERIFY(!r.error().detail.isEmpty());
}

void TestCodecLimits::worstCasePushesFitTheFrameLimit() {
    // The server cuts pushes and history pages by payload bytes (kMaxPushPayloadBytes; the message
    // that crosses the budget still goes into the frame) and by count. The largest frame it can
    // build that way, with every other field at its maximum, must still pass the client's limit.
    using tidings::testing::sampleMessage;
    auto fullMessage = [](quint64 seq, size_t payload) {
        wire::Message m = sampleMessage(~quint64(0), seq, std::string(payload, 'x'));
        m.set_sender_user_id(~quint64(0));
        m.set_sender_device_id(~quint64(0));
        m.set_sender_username(std::string(size_t(limits::kMaxUsernameLength), 'u'));
        m.set_client_message_id(std::string(size_t(limits::kMaxClientMessageIdBytes), 'c'));
        m.set_server_time_ms(std::numeric_limits<qint64>::min()); // the longest varint
        return m;
    };
    // Count-bound: 256 messages whose payloads stay just under the budget, the last one full.
    const int count = limits::kMaxMessagesPerPush;
    const size_t small = (limits::kMaxPushPayloadBytes - 1) / size_t(count - 1);
    Frame push;
    for (int i = 0; i < count - 1; ++i)
        *push.mutable_message_push()->add_messages() = fullMessage(quint64(i + 1), small);
    *push.mutable_message_push()->add_messages() =
        fullMessage(quint64(count), limits::kMaxPayloadBytes);
    QByteArray wire = encode(push);
    QVERIFY2(size_t(wire.size()) <= limits::kMaxServerFrameBytes,
             qPrintable(QString::number(wire.size())));
    auto r = protocol::decodeServerFrame(wire);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));

    // History: up to 500 messages under the same budget plus the cursors of all 500 members.
    Frame page;
    page.set_request_id(~quint64(0));
    auto *h = page.mutable_history_response();
    const int pageCount = int(limits::kMaxHistoryLimit);
    const size_t pageSmall = (limits::kMaxPushPayloadBytes - 1) / size_t(pageCount - 1);
    for (int i = 0; i < pageCount - 1; ++i)
        *h->add_messages() = fullMessage(quint64(i + 1), pageSmall);
    *h->add_messages() = fullMessage(quint64(pageCount), limits::kMaxPayloadBytes);
    h->set_has_more(true);
    for (int i = 0; i < limits::kMaxGroupMembers; ++i) {
        auto *c = h->add_cursors();
        c->set_conversation_id(~quint64(0));
        c->set_user_id(~quint64(0));
        c->set_delivered_seq(~quint64(0));
        c->set_read_seq(~quint64(0));
        c->set_all_delivered_seq(~quint64(0));
        c->set_all_read_seq(~quint64(0));
    }
    wire = encode(page);
    QVERIFY2(size_t(wire.size()) <= limits::kMaxServerFrameBytes,
             qPrintable(QString::number(wire.size())));
    r = protocol::decodeServerFrame(wire);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
}

void TestCodecLimits::groupFullIsATypedDecodeError() {
    // Hostile input can make the decoder answer GROUP_FULL: the fuzzer and checkDecodeContract
    // must count it as a typed rejection.
    const QByteArray wire = encode(withCreateGroup("Big", manyUsernames(limits::kMaxGroupMembers)));
    const auto r = protocol::decodeClientFrame(wire);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::GroupFull);
    QVERIFY(!r.error().detail.isEmpty());
    QVERIFY(checkDecodeContract(&protocol::decodeClientFrame, wire).isEmpty());
    // ... and it travels to the client as itself.
    const Frame err = protocol::makeError(1, r.error().code, r.error().detail);
    const auto back = protocol::decodeServerFrame(encode(err));
    QVERIFY(back.ok());
    QCOMPARE(protocol::errorFromFrame(*back).code, ErrorCode::GroupFull);
}

// =============================================================================================
// errors

int main(int argc, char **argv) {
    // Hostile input makes libprotobuf log every invalid UTF-8 string; count instead of printing.
    google::protobuf::SetLogHandler(&countProtobufLog);
    TestCodecLimits test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_codec_limits.moc"
