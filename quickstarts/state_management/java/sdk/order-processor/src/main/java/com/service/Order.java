package com.service;

/** The state stored per order: serialised as {"orderId": N}. */
public class Order {
  private int orderId;

  public int getOrderId() {
    return orderId;
  }

  public void setOrderId(int orderId) {
    this.orderId = orderId;
  }
}
