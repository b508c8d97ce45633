using AspNetCoreShop;

var app = ShopApp.Create(args);
app.Run();
