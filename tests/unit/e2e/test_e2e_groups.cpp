#include "test_e2e_helpers.h"
class TestE2eGroups : public QObject {
    Q_OBJECT private slots : void todo() {}
};
QTEST_GUILESS_MAIN(TestE2eGroups)
#include "test_e2e_groups.moc"
