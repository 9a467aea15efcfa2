import CurbsideCore

/// The payments service's schema, in order. Never edit an applied migration; add a new one.
///
/// Payment methods belong to passengers (`passenger` schema); payments, gateway operations and the
/// ledger are shared (`platform`). The ledger defends itself: every entry must balance per currency
/// when its transaction commits (a deferred constraint trigger), and neither entries nor postings can
/// be changed or deleted by anyone (triggers, and the roles lose UPDATE and DELETE).
enum PaymentsMigrations {
    static let all: [Migration] = [
        Migration(1, "payments", schema + "\n" + ledger + "\n" + sandbox + "\n" + OutboxSchema.createOutbox + "\n" + IdempotencyKeys.migrationSQL),
        Migration(2, "event_delivery", OutboxSchema.addDelivery),
        Migration(3, "event_retention", OutboxSchema.addRetention),
        Migration(4, "payouts", payouts),
        Migration(5, "payments_by_time", "CREATE INDEX payments_create_time ON platform.payments (create_time, id);"),
    ]

    /// Payout runs (each an AIP-151 operation) and the payouts they made: one per driver and
    /// currency per run, whatever instances run it.
    static let payouts = """
        CREATE TABLE platform.payout_runs (
            id uuid PRIMARY KEY,
            run_key text NOT NULL UNIQUE,
            state text NOT NULL CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
            threshold bigint NOT NULL CHECK (threshold > 0),
            requested_by uuid,
            error text,
            lease_until timestamptz NOT NULL,
            create_time timestamptz NOT NULL,
            done_time timestamptz
        );
        CREATE INDEX payout_runs_running ON platform.payout_runs (lease_until) WHERE state = 'RUNNING';

        CREATE TABLE platform.payouts (
            id uuid PRIMARY KEY,
            run_id uuid NOT NULL REFERENCES platform.payout_runs (id),
            driver_id uuid NOT NULL,
            currency_code text NOT NULL,
            amount bigint NOT NULL CHECK (amount > 0),
            cash_settled bigint NOT NULL CHECK (cash_settled >= 0),
            create_time timestamptz NOT NULL,
            UNIQUE (run_id, driver_id, currency_code)
        );
        CREATE INDEX payouts_driver ON platform.payouts (driver_id, create_time);
        """

    static let schema = """
        CREATE TABLE passenger.payment_methods (
            id uuid PRIMARY KEY,
            passenger_id uuid NOT NULL,
            kind text NOT NULL CHECK (kind IN ('CARD', 'CASH')),
            gateway_token text,
            card_brand text,
            card_last4 text,
            card_exp_month integer,
            card_exp_year integer,
            is_default boolean NOT NULL DEFAULT false,
            create_time timestamptz NOT NULL,
            delete_time timestamptz,
            CHECK ((kind = 'CARD') = (gateway_token IS NOT NULL))
        );
        CREATE UNIQUE INDEX payment_methods_one_default ON passenger.payment_methods (passenger_id)
            WHERE is_default AND delete_time IS NULL;
        CREATE UNIQUE INDEX payment_methods_one_cash ON passenger.payment_methods (passenger_id)
            WHERE kind = 'CASH' AND delete_time IS NULL;
        CREATE INDEX payment_methods_passenger ON passenger.payment_methods (passenger_id, create_time, id);

        CREATE TABLE platform.payments (
            id uuid PRIMARY KEY,
            passenger_id uuid NOT NULL,
            driver_id uuid,
            method_id uuid,
            method_kind text NOT NULL CHECK (method_kind IN ('CARD', 'CASH')),
            card_token text,
            card jsonb,
            currency_code text NOT NULL,
            city_id text NOT NULL,
            vehicle_class text NOT NULL,
            state text NOT NULL CHECK (state IN
                ('PENDING_AUTHORIZATION', 'AUTHORIZED', 'DECLINED', 'SETTLING', 'SETTLED', 'VOIDED', 'UNPAID')),
            hold_amount bigint NOT NULL CHECK (hold_amount >= 0),
            hold jsonb,
            hold_active boolean NOT NULL,
            charge text CHECK (charge IN ('FARE', 'CANCELLATION_FEE')),
            owed bigint NOT NULL CHECK (owed >= 0),
            collected bigint NOT NULL CHECK (collected >= 0),
            cash_collected bigint NOT NULL CHECK (cash_collected >= 0),
            tip bigint NOT NULL CHECK (tip >= 0),
            refunded bigint NOT NULL CHECK (refunded >= 0 AND refunded <= collected + tip),
            decline_reason text,
            request_hash text NOT NULL,
            create_time timestamptz NOT NULL,
            update_time timestamptz NOT NULL,
            end_time timestamptz,
            version integer NOT NULL
        );
        CREATE INDEX payments_passenger ON platform.payments (passenger_id, create_time, id);
        CREATE INDEX payments_driver ON platform.payments (driver_id, create_time, id) WHERE driver_id IS NOT NULL;
        CREATE INDEX payments_hold_active ON platform.payments (id) WHERE hold_active;

        CREATE TABLE platform.gateway_operations (
            id uuid PRIMARY KEY,
            payment_id uuid NOT NULL REFERENCES platform.payments (id),
            kind text NOT NULL CHECK (kind IN ('AUTHORIZE', 'CAPTURE', 'CHARGE', 'RELEASE', 'TIP', 'REFUND')),
            key text NOT NULL,
            amount bigint NOT NULL CHECK (amount >= 0),
            state text NOT NULL CHECK (state IN ('PENDING', 'SUCCEEDED', 'FAILED', 'UNKNOWN')),
            reference text,
            parent_id uuid REFERENCES platform.gateway_operations (id),
            refund_id uuid,
            failure_reason text,
            attempts integer NOT NULL,
            next_attempt_time timestamptz NOT NULL,
            create_time timestamptz NOT NULL,
            update_time timestamptz NOT NULL,
            UNIQUE (payment_id, key)
        );
        CREATE INDEX gateway_operations_open ON platform.gateway_operations (next_attempt_time)
            WHERE state IN ('PENDING', 'UNKNOWN');

        CREATE TABLE platform.refunds (
            id uuid PRIMARY KEY,
            payment_id uuid NOT NULL REFERENCES platform.payments (id),
            amount bigint NOT NULL CHECK (amount > 0),
            reason text NOT NULL,
            requested_by uuid NOT NULL,
            create_time timestamptz NOT NULL
        );
        CREATE INDEX refunds_payment ON platform.refunds (payment_id, create_time);

        CREATE TABLE platform.commission_rates (
            city_id text NOT NULL,
            vehicle_class text NOT NULL,
            basis_points integer NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
            update_time timestamptz NOT NULL,
            PRIMARY KEY (city_id, vehicle_class)
        );
        """

    static let ledger = """
        CREATE TABLE platform.ledger_accounts (
            key text PRIMARY KEY,
            kind text NOT NULL,
            owner uuid,
            currency_code text NOT NULL,
            balance bigint NOT NULL DEFAULT 0,
            update_time timestamptz NOT NULL
        );
        CREATE INDEX ledger_accounts_owner ON platform.ledger_accounts (owner) WHERE owner IS NOT NULL;

        CREATE TABLE platform.journal_entries (
            id uuid PRIMARY KEY,
            kind text NOT NULL,
            subject text NOT NULL,
            create_time timestamptz NOT NULL
        );
        CREATE INDEX journal_entries_subject ON platform.journal_entries (subject);

        CREATE TABLE platform.postings (
            entry_id uuid NOT NULL REFERENCES platform.journal_entries (id),
            seq integer NOT NULL,
            account_key text NOT NULL REFERENCES platform.ledger_accounts (key),
            amount bigint NOT NULL CHECK (amount <> 0),
            create_time timestamptz NOT NULL,
            PRIMARY KEY (entry_id, seq)
        );
        CREATE INDEX postings_account ON platform.postings (account_key, create_time, entry_id, seq);

        CREATE FUNCTION platform.check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM platform.postings p JOIN platform.ledger_accounts a ON a.key = p.account_key
                WHERE p.entry_id = NEW.entry_id GROUP BY a.currency_code HAVING sum(p.amount) <> 0
            ) THEN
                RAISE EXCEPTION 'journal entry % does not balance', NEW.entry_id USING ERRCODE = 'check_violation';
            END IF;
            RETURN NULL;
        END
        $$;
        CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON platform.postings
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION platform.check_entry_balanced();

        CREATE FUNCTION platform.refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'ledger entries are immutable; post a correcting entry' USING ERRCODE = 'insufficient_privilege';
        END
        $$;
        CREATE TRIGGER postings_immutable BEFORE UPDATE OR DELETE ON platform.postings
            FOR EACH ROW EXECUTE FUNCTION platform.refuse_ledger_change();
        CREATE TRIGGER postings_not_truncated BEFORE TRUNCATE ON platform.postings
            FOR EACH STATEMENT EXECUTE FUNCTION platform.refuse_ledger_change();
        CREATE TRIGGER journal_entries_immutable BEFORE UPDATE OR DELETE ON platform.journal_entries
            FOR EACH ROW EXECUTE FUNCTION platform.refuse_ledger_change();
        CREATE TRIGGER journal_entries_not_truncated BEFORE TRUNCATE ON platform.journal_entries
            FOR EACH STATEMENT EXECUTE FUNCTION platform.refuse_ledger_change();
        REVOKE UPDATE, DELETE, TRUNCATE ON platform.postings, platform.journal_entries
            FROM \(roles);
        """

    /// The built-in sandbox gateway's own state (a stand-in for a processor's test mode; unused with Stripe).
    static let sandbox = """
        CREATE TABLE platform.sandbox_cards (
            token text PRIMARY KEY,
            behaviour text NOT NULL,
            brand text NOT NULL,
            last4 text NOT NULL,
            exp_month integer NOT NULL,
            exp_year integer NOT NULL,
            create_time timestamptz NOT NULL
        );
        CREATE TABLE platform.sandbox_intents (
            id text PRIMARY KEY,
            card_token text NOT NULL,
            amount bigint NOT NULL,
            currency_code text NOT NULL,
            captured bigint NOT NULL DEFAULT 0,
            refunded bigint NOT NULL DEFAULT 0,
            status text NOT NULL CHECK (status IN ('REQUIRES_CAPTURE', 'CANCELED', 'SUCCEEDED')),
            expire_time timestamptz,
            create_time timestamptz NOT NULL
        );
        CREATE TABLE platform.sandbox_requests (
            idempotency_key text PRIMARY KEY,
            operation text NOT NULL,
            response jsonb NOT NULL,
            answered boolean NOT NULL,
            create_time timestamptz NOT NULL
        );
        """

    private static var roles: String {
        [DatabaseRole.driver, .passenger, .platform].map { DatabaseRole.login(service: .payments, role: $0) }.joined(separator: ", ")
    }
}
