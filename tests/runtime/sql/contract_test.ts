import { sqlStoreContract } from "../../contracts/sql_store_contract.ts";
import {
  pgliteFixture,
  pgliteWorkerFixture,
  postgresFixture,
} from "../../support/sql_stores.ts";

sqlStoreContract(pgliteFixture);
sqlStoreContract(pgliteWorkerFixture);
sqlStoreContract(postgresFixture);
