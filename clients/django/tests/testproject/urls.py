from django.urls import path

from testproject import views

urlpatterns = [
    path("", views.home),
    path("orders/<int:order_id>/", views.order_detail),
]
