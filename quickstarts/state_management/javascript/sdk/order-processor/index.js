// order-processor: saves five orders, then reads each back and deletes it, then exits.
import { DaprClient } from "@dapr/dapr";

const STATE_STORE_NAME = "statestore";
const ORDER_COUNT = 5;

const client = new DaprClient({
  daprHost: "127.0.0.1",
  daprPort: process.env.DAPR_HTTP_PORT ?? "3500",
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  for (let orderId = 1; orderId <= ORDER_COUNT; orderId++) {
    const order = { orderId };
    // Save state into the state store
    await client.state.save(STATE_STORE_NAME, [{ key: orderId.toString(), value: order }]);
    console.log("Saving Order: ", order);
  }
  for (let orderId = 1; orderId <= ORDER_COUNT; orderId++) {
    // Get state from the state store
    const result = await client.state.get(STATE_STORE_NAME, orderId.toString());
    console.log("Getting Order: ", result);
    // Delete state from the state store
    await client.state.delete(STATE_STORE_NAME, orderId.toString());
    console.log("Deleting Order: ", result);
    await sleep(1000);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
