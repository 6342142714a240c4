// order-processor: saves, reads back and deletes one order per iteration, then exits.
using Dapr.Client;

const string DAPR_STORE_NAME = "statestore";
const int ORDER_COUNT = 10;

// DaprClientBuilder reads DAPR_GRPC_PORT / DAPR_HTTP_PORT, which the sidecar runner sets.
using var client = new DaprClientBuilder().Build();

for (int i = 1; i <= ORDER_COUNT; i++)
{
    var order = new Order(i);

    // Save state into the state store
    await client.SaveStateAsync(DAPR_STORE_NAME, i.ToString(), order.ToString());
    Console.WriteLine("Saving Order: " + order);

    // Get state from the state store
    var result = await client.GetStateAsync<string>(DAPR_STORE_NAME, i.ToString());
    Console.WriteLine("Getting Order: " + result);

    // Delete state from the state store
    await client.DeleteStateAsync(DAPR_STORE_NAME, i.ToString());
    Console.WriteLine("Deleting Order: " + order);

    await Task.Delay(TimeSpan.FromSeconds(1));
}

// Its ToString() is what the docs show: "Order { orderId = 1 }".
public record Order(int orderId);
