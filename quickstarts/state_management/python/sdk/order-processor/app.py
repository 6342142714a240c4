"""order-processor: saves, reads back and deletes one order state per iteration, then exits."""

import logging
import time

from dapr.clients import DaprClient

logging.basicConfig(level=logging.INFO)

DAPR_STORE_NAME = "statestore"
ORDER_COUNT = 10

with DaprClient() as client:
    for i in range(1, ORDER_COUNT + 1):
        orderId = str(i)
        order = {'orderId': orderId}

        # Save state into the state store
        client.save_state(DAPR_STORE_NAME, orderId, str(order))
        logging.info('Saving Order: %s', order)

        # Get state from the state store
        result = client.get_state(DAPR_STORE_NAME, orderId)
        logging.info('Result after get: ' + str(result.data))

        # Delete state from the state store
        client.delete_state(store_name=DAPR_STORE_NAME, key=orderId)
        logging.info('Deleting Order: %s', order)

        time.sleep(1)
