// order-processor: saves, reads back and deletes one order per iteration, then exits.
package main

import (
	"context"
	"fmt"
	"log"
	"strconv"
	"time"

	dapr "github.com/dapr/go-sdk/client"
)

const (
	STATE_STORE_NAME = "statestore"
	ORDER_COUNT      = 10
)

func main() {
	client, err := dapr.NewClient()
	if err != nil {
		log.Fatalf("cannot reach the Dapr sidecar: %v", err)
	}
	defer client.Close()
	ctx := context.Background()

	for orderId := 1; orderId <= ORDER_COUNT; orderId++ {
		order := fmt.Sprintf(`{"orderId":%d}`, orderId)

		// Save state into the state store
		if err := client.SaveState(ctx, STATE_STORE_NAME, strconv.Itoa(orderId), []byte(order), nil); err != nil {
			log.Fatalf("save failed: %v", err)
		}
		log.Print("Saving Order: " + order)

		// Get state from the state store
		result, err := client.GetState(ctx, STATE_STORE_NAME, strconv.Itoa(orderId), nil)
		if err != nil {
			log.Fatalf("get failed: %v", err)
		}
		fmt.Println("Getting Order: " + string(result.Value))

		// Delete state from the state store
		if err := client.DeleteState(ctx, STATE_STORE_NAME, strconv.Itoa(orderId), nil); err != nil {
			log.Fatalf("delete failed: %v", err)
		}
		log.Print("Deleting Order: " + order)

		time.Sleep(time.Second)
	}
}
