import { Migration } from "@mikro-orm/migrations";

/**
 * The seat ledger (R9, R19; docs/adr/0009-seat-ledger.md). `license.seats_in_use` is kept
 * by statement-level triggers on `seat`, so it always equals the tenant's seat rows whatever
 * statement inserts or deletes them, and an insert beyond the limit fails inside the very
 * statement that inserts it: the limit check and the allocation are one statement, evaluated
 * under the licence row's lock, which is taken at the end of that statement and held only
 * until its commit — never across a network round trip.
 *
 * The refusal is SQLSTATE CS001 with the counts as JSON in DETAIL, so the service can say
 * "N of M seats in use" without a second read.
 */
export class Migration0002SeatLedger extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create index seat_tenant_created_idx on licensing.seat (tenant_id, created_at, id);

      update licensing.license l
         set seats_in_use = (select count(*) from licensing.seat s where s.tenant_id = l.tenant_id);

      -- Statement-level, over the transition table: one counter update per tenant and
      -- statement, however many seats it inserts (a reconciliation may grant thousands).
      create function licensing.count_inserted_seats() returns trigger
      language plpgsql as $$
      declare
        v_tenant uuid;
        v_added integer;
        v_in_use integer;
        v_limit integer;
      begin
        for v_tenant, v_added in
          select tenant_id, count(*)::integer from inserted_seats group by tenant_id order by tenant_id
        loop
          update licensing.license
             set seats_in_use = seats_in_use + v_added
           where tenant_id = v_tenant and seats_in_use + v_added <= seat_limit;
          if not found then
            select l.seats_in_use, l.seat_limit into v_in_use, v_limit
              from licensing.license l where l.tenant_id = v_tenant;
            raise exception using
              errcode = 'CS001',
              message = 'LICENSE_LIMIT_REACHED',
              detail = json_build_object('seatsInUse', coalesce(v_in_use, 0), 'seatLimit', coalesce(v_limit, 0))::text;
          end if;
        end loop;
        return null;
      end
      $$;

      create function licensing.count_deleted_seats() returns trigger
      language plpgsql as $$
      declare
        v_tenant uuid;
        v_removed integer;
      begin
        for v_tenant, v_removed in
          select tenant_id, count(*)::integer from deleted_seats group by tenant_id order by tenant_id
        loop
          update licensing.license set seats_in_use = seats_in_use - v_removed where tenant_id = v_tenant;
        end loop;
        return null;
      end
      $$;

      create trigger seat_inserted_counted after insert on licensing.seat
        referencing new table as inserted_seats
        for each statement execute function licensing.count_inserted_seats();

      create trigger seat_deleted_counted after delete on licensing.seat
        referencing old table as deleted_seats
        for each statement execute function licensing.count_deleted_seats();

      create function licensing.refuse_seat_update() returns trigger
      language plpgsql as $$
      begin
        raise exception 'seats are never updated: release one and allocate another';
      end
      $$;

      create trigger seat_immutable before update on licensing.seat
        for each row execute function licensing.refuse_seat_update();
    `);
  }
}
