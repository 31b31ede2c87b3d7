// The contacts module against a FakeSocket: contact and block changes, the contact list with my
// privacy setting, my display name (checked before sending, kept in the saved account) and other
// people's profiles (kept in the local cache).
#include "core/contacts/contacts.h"
#include "module_fixture.h"

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

class TestContacts : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<ModuleFixture> m_f;
    std::unique_ptr<Contacts> m_contacts;

private slots:
    void init() {
        m_f = std::make_unique<ModuleFixture>();
        QVERIFY(m_f->open());
        m_contacts =
            std::make_unique<Contacts>(&m_f->store->accounts(), &m_f->requests, m_f->account.get());
    }
    void cleanup() {
        m_contacts.reset();
        m_f.reset();
    }

    void changesMapTheirAction() {
        const QList<std::pair<ContactAction, wire::ContactRequest::Action>> actions = {
            {ContactAction::Add, wire::ContactRequest::ACTION_ADD},
            {ContactAction::Remove, wire::ContactRequest::ACTION_REMOVE},
            {ContactAction::Block, wire::ContactRequest::ACTION_BLOCK},
            {ContactAction::Unblock, wire::ContactRequest::ACTION_UNBLOCK},
        };
        for (const auto &[action, onWire] : actions) {
            std::optional<Status> got;
            m_contacts->change(action, QStringLiteral("Bob "), [&](Status s) { got = s; });
            ModuleFixture::Request req;
            QVERIFY(m_f->takeOne(req));
            QCOMPARE(req.frame.contact_request().action(), onWire);
            QCOMPARE(req.frame.contact_request().username(), "bob");
            req.handler(okAnswer());
            QVERIFY(got && got->ok());
        }
        std::optional<Status> got;
        m_contacts->change(ContactAction::Add, QStringLiteral("nobody"),
                           [&](Status s) { got = s; });
        m_f->socket.takeRequests().first().handler(
            Error{ErrorCode::NoSuchUser, QStringLiteral("no such user")});
        QCOMPARE(got->error().code, ErrorCode::NoSuchUser);
    }

    void theListCarriesMyPrivacySetting() {
        std::optional<Result<ContactsInfo>> got;
        m_contacts->list([&](Result<ContactsInfo> r) { got = r; });
        ModuleFixture::Request req;
        QVERIFY(m_f->takeOne(req));
        QCOMPARE(req.frame.body_case(), Frame::kContactsRequest);
        req.handler(answer([](Frame &f) {
            auto *r = f.mutable_contacts_response();
            auto *c = r->add_contacts();
            c->set_user_id(2);
            c->set_username("bob");
            c->set_contact(true);
            auto *b = r->add_contacts();
            b->set_user_id(3);
            b->set_username("mallory");
            b->set_blocked(true);
            r->set_last_seen(wire::Visibility(2));
        }));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->contacts.size(), 2);
        QVERIFY((*got)->contacts.at(0).contact);
        QVERIFY((*got)->contacts.at(1).blocked);
        QCOMPARE((*got)->lastSeen, Visibility::Nobody);

        // A setting this client does not know reads as the default.
        m_contacts->list([&](Result<ContactsInfo> r) { got = r; });
        m_f->socket.takeRequests().first().handler(answer(
            [](Frame &f) { f.mutable_contacts_response()->set_last_seen(wire::Visibility(9)); }));
        QCOMPARE((*got)->lastSeen, Visibility::Everyone);
    }

    void myDisplayNameIsCheckedSentAndSaved() {
        std::optional<Status> got;
        m_contacts->setProfile(QString(65, QLatin1Char('x')), [&](Status s) { got = s; });
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::TooLarge);
        QVERIFY(m_f->socket.requests.isEmpty());

        got.reset();
        m_contacts->setProfile(QStringLiteral("  Alice A. "), [&](Status s) { got = s; });
        ModuleFixture::Request req;
        QVERIFY(m_f->takeOne(req));
        QCOMPARE(req.frame.set_profile_request().display_name(), "Alice A.");
        req.handler(okAnswer());
        QVERIFY(got && got->ok());
        QCOMPARE(m_f->account->settings().displayName, QStringLiteral("Alice A."));
        QCOMPARE(m_f->store->accounts().account().value().displayName, QStringLiteral("Alice A."));

        // Refused: the saved name stays.
        m_contacts->setProfile(QStringLiteral("Other"), [&](Status s) { got = s; });
        m_f->socket.takeRequests().first().handler(Error{ErrorCode::Internal, QStringLiteral("x")});
        QVERIFY(!got->ok());
        QCOMPARE(m_f->account->settings().displayName, QStringLiteral("Alice A."));
    }

    void profilesAreKeptLocally() {
        std::optional<Result<QList<ProfileInfo>>> got;
        m_contacts->profiles({QStringLiteral("Bob")},
                             [&](Result<QList<ProfileInfo>> r) { got = r; });
        ModuleFixture::Request req;
        QVERIFY(m_f->takeOne(req));
        QCOMPARE(req.frame.profiles_request().usernames(0), "bob");
        req.handler(answer([](Frame &f) {
            auto *p = f.mutable_profiles_response()->add_profiles();
            p->set_user_id(2);
            p->set_username("bob");
            p->set_display_name("Bob B.");
        }));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->size(), 1);
        QCOMPARE((*got)->first().displayName, QStringLiteral("Bob B."));
        QCOMPARE(m_f->store->accounts().displayName(2).value(), QStringLiteral("Bob B."));

        m_contacts->profiles({QStringLiteral("bob")},
                             [&](Result<QList<ProfileInfo>> r) { got = r; });
        m_f->socket.takeRequests().first().handler(okAnswer());
        QVERIFY(isUnexpectedAnswer(got->error()));
    }
};

QTEST_GUILESS_MAIN(TestContacts)
#include "test_client_contacts.moc"
