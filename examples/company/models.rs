//! The shop's four tables, as models. The contract fixes their exact column
//! sets: relation fields are not columns, and `order_products` has no id
//! (its key is its two foreign keys).

use orm::prelude::*;
use rust_decimal::Decimal;

/// A customer: `customers(id, name)`.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "customers")]
pub struct Customer {
    pub id: i64,
    pub name: String,
}

/// A product: `products(id, name, price)`, the name unique, the price an
/// exact `DECIMAL(18,2)`.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "products")]
pub struct Product {
    pub id: i64,
    #[db(unique)]
    pub name: String,
    #[db(precision = 18, scale = 2)]
    pub price: Decimal,
}

/// An order: `orders(id, customer_id, subtotal)`, with its customer and,
/// through `order_products`, its products.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "orders")]
pub struct Order {
    pub id: i64,
    pub customer_id: i64,
    #[db(precision = 18, scale = 2)]
    pub subtotal: Decimal,
    pub customer: BelongsTo<Customer>,
    #[db(through = "order_products", through_keys("order_id", "product_id"))]
    pub products: ManyToMany<Product>,
}

/// A product of an order: `order_products(order_id, product_id)`. Deleting
/// an order deletes its rows; a product still ordered cannot be deleted.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "order_products")]
pub struct OrderProduct {
    #[db(primary_key)]
    pub order_id: i64,
    #[db(primary_key)]
    pub product_id: i64,
    #[db(on_delete = "cascade")]
    pub order: BelongsTo<Order>,
    pub product: BelongsTo<Product>,
}

/// The schema, in the order the plan takes it (parents first either way).
pub type Schema = (Customer, Product, Order, OrderProduct);
