#include "test_e2e_helpers.h"
class TestE2eIdentity : public QObject {
    Q_OBJECT private slots : void todo() {}
};
QTEST_GUILESS_MAIN(TestE2eIdentity)
#include "test_e2e_identity.moc"
