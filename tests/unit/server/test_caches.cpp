// The server's caches are bounded: the LRU map, the membership cache over it (one load per
// conversation at a time, invalidation, retries for pushes), and the device directory (a load that
// raced an invalidation is not cached).
#include "core/lru_cache.h"
#include "services/common/device_directory.h"
#include "services/common/membership.h"

#include <QTest>

using namespace tidings;
using namespace tidings::server;

class TestCaches : public QObject {
    Q_OBJECT

private slots:
    void lruEvictsTheLeastRecentlyUsed() {
        LruCache<int, QString> c(2);
        c.insert(1, "one");
        c.insert(2, "two");
        QCOMPARE(*c.find(1), QString("one")); // 1 is now the most recent
        c.insert(3, "three");
        QVERIFY(c.contains(1));
        QVERIFY(!c.contains(2));
        QVERIFY(c.contains(3));
        QCOMPARE(c.size(), std::size_t(2));
        c.insert(1, "uno"); // an update does not grow it
        QCOMPARE(c.size(), std::size_t(2));
        QCOMPARE(*c.find(1), QString("uno"));
        c.remove(1);
        QVERIFY(!c.find(1));
        QCOMPARE(c.size(), std::size_t(1));
    }

    void membershipIsBoundedAndLoadsOncePerConversation() {
        int loads = 0;
        std::vector<std::pair<quint64, Membership::Callback>> pending;
        Membership m(
            [&](quint64 conv, Membership::Callback cb) {
                ++loads;
                pending.emplace_back(conv, std::move(cb));
            },
            3);
        QList<quint64> a, b;
        m.withMembers(1, [&](Result<Membership::Members> r) { a = *r; });
        m.withMembers(1, [&](Result<Membership::Members> r) { b = *r; });
        QCOMPARE(loads, 1); // the second miss joins the load in flight
        pending[0].second(Membership::Members{7, 8});
        QCOMPARE(a, (QList<quint64>{7, 8}));
        QCOMPARE(b, a);
        m.withMembers(1, [&](Result<Membership::Members>) {});
        QCOMPARE(loads, 1); // a hit
        for (quint64 conv = 2; conv <= 10; ++conv) {
            m.withMembers(conv, [](Result<Membership::Members>) {});
            pending.back().second(Membership::Members{conv});
        }
        QCOMPARE(m.cachedCount(), std::size_t(3)); // bounded, however many conversations
        QCOMPARE(m.capacity(), std::size_t(3));
        const int before = loads;
        m.withMembers(1, [](Result<Membership::Members>) {}); // evicted long ago
        QCOMPARE(loads, before + 1);
        pending.back().second(Membership::Members{7});
        m.invalidate(1);
        m.withMembers(1, [](Result<Membership::Members>) {});
        QCOMPARE(loads, before + 2);
        // Failures and empty lists are not cached.
        pending.back().second(Error{ErrorCode::Internal, "down"});
        m.withMembers(1, [](Result<Membership::Members>) {});
        QCOMPARE(loads, before + 3);
    }

    void pushesRetryAMemberListThatCouldNotBeRead() {
        int loads = 0;
        Membership m(
            [&](quint64, Membership::Callback cb) {
                if (++loads < 3)
                    return cb(Error{ErrorCode::Internal, "database unavailable"});
                cb(Membership::Members{1, 2});
            },
            10);
        QList<quint64> got;
        m.withMembersEventually(5, [&](const Membership::Members &members) { got = members; });
        QCOMPARE(loads, 1);
        QVERIFY(got.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(got, (QList<quint64>{1, 2}), 5000);
        QCOMPARE(loads, 3);
    }

    void theDeviceDirectoryDropsLoadsThatRacedAnInvalidation() {
        std::vector<std::function<void()>> pending;
        QHash<quint64, QList<quint64>> lists{{1, {12, 11}}, {2, {21}}};
        int loads = 0;
        DeviceDirectory d(
            [&](const std::vector<quint64> &users,
                std::function<void(Result<DeviceDirectory::Lists>)> cb) {
                ++loads;
                DeviceDirectory::Lists out;
                for (quint64 u : users)
                    out.insert(u, lists.value(u));
                pending.push_back([cb, out] { cb(out); });
            },
            1);
        QList<DeviceRef> got;
        d.withCurrentDevices({1, 2}, [&](Result<QList<DeviceRef>> r) { got = *r; });
        d.invalidateUser(2); // a list was published while the load was in flight
        pending.back()();
        QCOMPARE(got, (QList<DeviceRef>{{1, 11}, {1, 12}, {2, 21}})); // sorted
        QCOMPARE(d.cachedCount(), std::size_t(0));
        d.withCurrentDevices({1}, [&](Result<QList<DeviceRef>> r) { got = *r; });
        pending.back()();
        QCOMPARE(d.cachedCount(), std::size_t(1));
        d.withCurrentDevices({1}, [&](Result<QList<DeviceRef>> r) { got = *r; });
        QCOMPARE(loads, 2); // a hit
        d.withCurrentDevices({2}, [&](Result<QList<DeviceRef>> r) { got = *r; });
        pending.back()();
        QCOMPARE(d.cachedCount(), std::size_t(1)); // capacity 1: user 1 was evicted
        QCOMPARE(got, (QList<DeviceRef>{{2, 21}}));
    }

    void theDigestIsOverBigEndianPairs() {
        const QByteArray digest = DeviceDirectory::digest({{1, 2}});
        QCOMPARE(digest.size(), 32);
        QCOMPARE(digest,
                 QCryptographicHash::hash(QByteArray::fromHex("00000000000000010000000000000002"),
                                          QCryptographicHash::Sha256));
    }
};

QTEST_GUILESS_MAIN(TestCaches)
#include "test_caches.moc"
